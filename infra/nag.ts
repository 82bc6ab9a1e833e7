import { type Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on a construct, with the reason a reviewer needs. In cdk-nag v3
 * each finding (`RuleId[FindingId]`) is acknowledged on its own; there is no prefix matching.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Several findings on one construct that share one reason. */
export function acknowledgeAll(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) acknowledge(scope, id, reason);
}

/** The IAM5 finding for a wildcard resource, as cdk-nag renders it. */
export const wildcardResource = (rendered: string) => `AwsSolutions-IAM5[Resource::${rendered}]`;

/** How cdk-nag renders an ARN built from the stack's partition, region and account. */
export const renderedArn = (stack: Stack, service: string, resource: string) =>
  `arn:<AWS::Partition>:${service}:${service === 's3' ? '' : stack.region}:${service === 's3' ? '' : '<AWS::AccountId>'}:${resource}`;
