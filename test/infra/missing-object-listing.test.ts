import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesisePodium } from './podium-app.ts';
import { rendered, statementsOf } from './template-values.ts';

/**
 * Code that treats a missing object as an answer (no log yet, a dataset not uploaded) gets a 404
 * from S3 only with s3:ListBucket on the bucket; without it, 403, and the run or the request fails on AWS. These grants are that, and only that.
 */
let platform: Template;
let learning: Template;

beforeAll(async () => {
  const podium = await synthesisePodium();
  platform = podium.template(podium.stacks.platform);
  learning = podium.template(podium.stacks.phases.get('learning')!);
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Statements of the role a function runs as, by the function's description. */
function functionStatements(description: string): Statement[] {
  const [fn] = Object.values(platform.findResources('AWS::Lambda::Function', { Properties: { Description: description } }));
  const roleId = (fn!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(platform.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const listings = (statements: Statement[]) =>
  statements
    .filter((statement) => [statement.Action].flat().includes('s3:ListBucket'))
    .map((statement) => ({ resource: [statement.Resource].flat().map(rendered), condition: statement.Condition }));

describe('listing grants for missing objects', () => {
  it('lets the API list the datasets and predictions buckets (key names only), nothing else', () => {
    const api = functionStatements('Podium HTTP API (Hono)');
    expect(listings(api)).toEqual([
      { resource: ['arn:aws:s3:::tissuenet-data-DatasetsBucket'], condition: undefined },
      { resource: ['arn:aws:s3:::tissuenet-data-PredictionsBucket'], condition: undefined },
    ]);
    expect(api.filter((statement) => [statement.Action].flat().includes('s3:ListBucket')).every((statement) => [statement.Action].flat().length === 1)).toBe(
      true,
    );
  });

  it('lets no job role list a bucket where it reads single objects (smoke labels are required at upload)', () => {
    expect(listings(statementsOf(learning, '/podium/tissuenet/scoring/'))).toEqual([]);
  });
});
