import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_INDEXES, TABLE_KEYS } from '#shared/storage/table-design.ts';
import { synthesisePodium } from './podium-app.ts';

let data: Template;
let terminationProtection: boolean;

beforeAll(async () => {
  const podium = await synthesisePodium();
  data = podium.template(podium.stacks.data);
  terminationProtection = podium.stacks.data.terminationProtection;
});

const resourcesOf = (type: string) => Object.entries(data.findResources(type));

describe('data stack', () => {
  it('blocks every kind of public access on every bucket', () => {
    const buckets = resourcesOf('AWS::S3::Bucket');
    expect(buckets).toHaveLength(6); // datasets, submissions, predictions, hidden, open data, access logs
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
    }
  });

  it('refuses plain HTTP on every bucket and logs access to every data bucket', () => {
    const policies = resourcesOf('AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(6);
    for (const [, policy] of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
    const logged = resourcesOf('AWS::S3::Bucket').filter(([, bucket]) => bucket.Properties.LoggingConfiguration);
    expect(logged).toHaveLength(5);
  });

  it('keeps every stateful resource when the stack is deleted, and refuses deletion', () => {
    expect(terminationProtection).toBe(true);
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key']) {
      for (const [, resource] of resourcesOf(type)) expect(resource.DeletionPolicy).toBe('Retain');
    }
  });

  it('versions submission archives', () => {
    data.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
  });

  it('creates the table from the shared table design, with PITR and encryption', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: TABLE_KEYS.partition, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sort, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partition, KeyType: 'HASH' },
          { AttributeName: index.sort, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      SSESpecification: { SSEEnabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
  });

  it('lets no principal but a scoring job role decrypt with the labels key', () => {
    data.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant'],
            Condition: {
              ArnNotLike: {
                'aws:PrincipalArn': { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':role/podium/tissuenet/scoring/\\*$')])] },
              },
            },
          }),
        ]),
      },
    });
  });

  it('keeps an ECC_NIST_P256 signing key for score receipts that no principal but a scoring job role may sign with', () => {
    data.hasResourceProperties('AWS::KMS::Key', {
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['kms:Sign', 'kms:CreateGrant'],
            Condition: {
              ArnNotLike: {
                'aws:PrincipalArn': { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':role/podium/tissuenet/scoring/\\*$')])] },
              },
            },
          }),
        ]),
      },
    });
    const [receiptKey] = resourcesOf('AWS::KMS::Key').filter(([, key]) => key.Properties.KeySpec === 'ECC_NIST_P256');
    // Receipts are evidence for years: the key outlives the stack.
    expect(receiptKey?.[1]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('denies reading labels to everyone but scoring jobs, and storing them under any other key', () => {
    const hiddenPolicy = resourcesOf('AWS::S3::BucketPolicy')
      .map(([, policy]) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
      .find((statements) => statements.some((statement) => statement.Sid === 'OnlyScoringJobsReadLabels'));
    expect(hiddenPolicy).toBeDefined();
    const readLabels = hiddenPolicy!.find((statement) => statement.Sid === 'OnlyScoringJobsReadLabels')!;
    expect(readLabels).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: ['s3:GetObject', 's3:GetObjectVersion'] });
    expect(JSON.stringify(readLabels.Resource)).toContain('/labels/*');
    const writeLabels = hiddenPolicy!.find((statement) => statement.Sid === 'LabelsOnlyUnderLabelsKey')!;
    expect(writeLabels).toMatchObject({ Effect: 'Deny', Action: 's3:PutObject' });
    expect(Object.keys((writeLabels.Condition as Record<string, Record<string, unknown>>).StringNotEquals!)).toEqual([
      's3:x-amz-server-side-encryption-aws-kms-key-id',
    ]);
  });

  it('exports its names under stable export names for the other stacks', () => {
    const outputs = data.findOutputs('*');
    const exportNames = Object.values(outputs).map((output) => output.Export?.Name);
    expect(exportNames).toEqual(
      expect.arrayContaining(['tissuenet-data-TableName', 'tissuenet-data-HiddenBucket', 'tissuenet-data-LabelsKeyArn', 'tissuenet-data-SubmissionsBucket']),
    );
  });

  it('keeps an open-data bucket, private (Block Public Access on, no public statement) until the organiser opens it', () => {
    const openData = resourcesOf('AWS::S3::Bucket').filter(([, resource]) => resource.Properties.LoggingConfiguration?.LogFilePrefix === 'open-data/');
    expect(openData).toHaveLength(1);
    const [id, bucket] = openData[0]!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    const [, policy] = resourcesOf('AWS::S3::BucketPolicy').find(([, resource]) => resource.Properties.Bucket.Ref === id)!;
    const allows = (policy.Properties.PolicyDocument.Statement as { Effect: string }[]).filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([]);
    const output = Object.values(data.findOutputs('*')).find((each) => each.Export?.Name === 'tissuenet-data-OpenDataBucket');
    expect(output?.Value).toEqual({ Ref: id });
  });
});
