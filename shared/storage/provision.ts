import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StorageConfig } from './storage-config.ts';
import { GLOBAL_INDEXES, TABLE_KEYS } from './table-design.ts';

/**
 * Creates Podium's table and buckets when they are missing (local stack and tests). On AWS the
 * CDK data stack owns them; this mirrors that definition from the same constants.
 */
export async function ensureTable(db: DynamoDBDocumentClient, config: StorageConfig): Promise<void> {
  const attributeNames = new Set<string>([TABLE_KEYS.partition, TABLE_KEYS.sort]);
  GLOBAL_INDEXES.forEach((index) => {
    attributeNames.add(index.partition);
    attributeNames.add(index.sort);
  });
  try {
    await db.send(
      new CreateTableCommand({
        TableName: config.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributeNames].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
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
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException) && (error as Error).name !== 'ResourceInUseException') throw error;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const described = await db.send(new DescribeTableCommand({ TableName: config.tableName }));
    if (described.Table?.TableStatus === 'ACTIVE') return;
    await sleep(50);
  }
  throw new Error(`table ${config.tableName} did not become ACTIVE`);
}

export function bucketNames(config: StorageConfig): string[] {
  const openData = Object.getOwnPropertyDescriptor(config, 'openDataBucket')?.enumerable ? config.openDataBucket : undefined;
  return [config.datasetsBucket, config.submissionsBucket, config.predictionsBucket, config.hiddenBucket, ...(openData ? [openData] : [])];
}

export async function ensureBuckets(s3: S3Client, config: StorageConfig): Promise<void> {
  for (const bucket of bucketNames(config)) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }
  }
}
