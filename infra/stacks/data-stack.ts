import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, type ITableV2, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { GLOBAL_INDEXES, TABLE_KEYS } from '#shared/storage/table-design.ts';
import { DATA_EXPORTS, type DataExport, dataExportName } from '../data-exports.ts';
import { PrivateBucket } from '../constructs/private-bucket.ts';
import { acknowledge } from '../nag.ts';
import { scoringRolePathPattern } from '../role-paths.ts';

export interface DataStackProps extends StackProps {
  challengeId: string;
}

/**
 * Everything that must outlive a phase: the buckets, the labels key and the table. Retained on
 * delete and termination-protected; phase stacks come and go around it.
 */
export class DataStack extends Stack {
  readonly table: ITableV2;
  readonly datasets: Bucket;
  readonly submissions: Bucket;
  readonly predictions: Bucket;
  readonly hidden: Bucket;
  readonly openData: Bucket;
  readonly labelsKey: Key;
  readonly receiptKey: Key;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const { challengeId } = props;

    // Server access logs need SSE-S3 on the target bucket; it logs itself nowhere (no infinite loop).
    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      // Health-data hosting audits ask for access traces kept for years, not months.
      lifecycleRules: [{ expiration: Duration.days(3 * 365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(accessLogs, 'AwsSolutions-S1', 'This is the access-log bucket; logging it into itself would loop.');

    // CORS for the web app, which downloads files and uploads archives from the browser through the
    // API's presigned URLs: the signature is the authorisation, so any origin may present one.
    this.datasets = new PrivateBucket(this, 'Datasets', {
      accessLogs,
      accessLogsPrefix: 'datasets/',
      cors: [{ allowedOrigins: ['*'], allowedMethods: [HttpMethods.GET, HttpMethods.HEAD], maxAge: 3600 }],
    });
    // Versioned: an archive is evidence of what was run and scored; an overwrite must not erase it.
    this.submissions = new PrivateBucket(this, 'Submissions', {
      accessLogs,
      accessLogsPrefix: 'submissions/',
      versioned: true,
      cors: [
        {
          allowedOrigins: ['*'],
          allowedMethods: [HttpMethods.POST, HttpMethods.PUT, HttpMethods.GET],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3600,
        },
      ],
    });
    this.predictions = new PrivateBucket(this, 'Predictions', { accessLogs, accessLogsPrefix: 'predictions/' });
    this.hidden = new PrivateBucket(this, 'Hidden', { accessLogs, accessLogsPrefix: 'hidden/' });
    // Open data, once the challenge is over (`podium release-data --open-data`). Private like the rest
    // until the organiser opens it, on purpose and outside Podium: an Open Data sponsorship, or a
    // public-read bucket policy with Block Public Access lifted (docs/DEPLOY.md, "Open data").
    this.openData = new PrivateBucket(this, 'OpenData', { accessLogs, accessLogsPrefix: 'open-data/' });

    const scoringRoles = scoringRolePathPattern(this, challengeId);
    this.labelsKey = new Key(this, 'LabelsKey', {
      description: `Podium ${challengeId}: encrypts hidden labels; only the scoring jobs may decrypt`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Account administrators keep managing the key, but no principal other than a scoring job role
    // can decrypt with it, re-encrypt out of it, or hand out grants that would.
    this.labelsKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyScoringJobsDecryptLabels',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant'],
        resources: ['*'],
        conditions: { ArnNotLike: { 'aws:PrincipalArn': scoringRoles } },
      }),
    );

    // Score receipts outlive every phase (they are evidence for years), so their key lives here. KMS
    // has no rotation for asymmetric keys; the key id is in each receipt, so a new key can be added later.
    this.receiptKey = new Key(this, 'ReceiptKey', {
      description: `Podium ${challengeId}: signs score receipts; only the scoring jobs may sign`,
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Whoever else may administer the key, only a scoring job role can sign with it or hand out grants that would.
    this.receiptKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyScoringJobsSignReceipts',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:Sign', 'kms:CreateGrant'],
        resources: ['*'],
        conditions: { ArnNotLike: { 'aws:PrincipalArn': scoringRoles } },
      }),
    );

    const labelsObjects = this.hidden.arnForObjects('labels/*');
    // Labels must be written under the labels key, so a mistaken upload cannot leave them readable
    // by anyone with s3:GetObject.
    this.hidden.addToResourcePolicy(
      new PolicyStatement({
        sid: 'LabelsOnlyUnderLabelsKey',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [labelsObjects],
        conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.labelsKey.keyArn } },
      }),
    );
    this.hidden.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyScoringJobsReadLabels',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [labelsObjects],
        conditions: { ArnNotLike: { 'aws:PrincipalArn': scoringRoles } },
      }),
    );

    const table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partition, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partition, type: AttributeType.STRING },
        sortKey: { name: index.sort, type: AttributeType.STRING },
      })),
    });
    this.table = table;

    // Exported under stable names (infra/data-exports.ts); also what `podium upload-data` reads.
    const outputs: Record<DataExport, string> = {
      TableName: table.tableName,
      TableArn: table.tableArn,
      DatasetsBucket: this.datasets.bucketName,
      SubmissionsBucket: this.submissions.bucketName,
      PredictionsBucket: this.predictions.bucketName,
      HiddenBucket: this.hidden.bucketName,
      OpenDataBucket: this.openData.bucketName,
      LabelsKeyArn: this.labelsKey.keyArn,
      ReceiptKeyArn: this.receiptKey.keyArn,
    };
    for (const name of DATA_EXPORTS) {
      new CfnOutput(this, name, { value: outputs[name], exportName: dataExportName(challengeId, name) });
    }
  }
}
