import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * IAM paths of the job roles. The data stack's labels key and bucket policies name the scoring
 * roles by path pattern, so phase stacks can be created and destroyed without editing them.
 */
export const jobRolePath = (challengeId: string, kind: 'inference' | 'scoring' | 'training') => `/podium/${challengeId}/${kind}/`;

/** ARN pattern matching every phase's scoring role of one challenge. */
export function scoringRolePathPattern(scope: IConstruct, challengeId: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:iam::${stack.account}:role${jobRolePath(challengeId, 'scoring')}*`;
}
