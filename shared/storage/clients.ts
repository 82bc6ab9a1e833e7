import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { StorageConfig } from './storage-config.ts';

/** The local emulators' account (s3rver knows this key); real AWS takes credentials from the default provider chain. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * The key prefix of the credentials the local stack mints for each job container (its stand-in for
 * the role credentials ECS serves), which the container's storage proxies verify.
 */
export const LOCAL_JOB_KEY_PREFIX = 'PODIUMLOCALJOB';

/** Against local endpoints: a job container's own credentials when it was given them, else the emulators'. */
function localCredentials(env: NodeJS.ProcessEnv = process.env) {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return accessKeyId?.startsWith(LOCAL_JOB_KEY_PREFIX) && secretAccessKey ? { accessKeyId, secretAccessKey } : EMULATOR_CREDENTIALS;
}

export function createDynamoClient(config: StorageConfig): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint, credentials: localCredentials() } : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function createS3Client(config: StorageConfig): S3Client {
  return new S3Client({
    region: config.region,
    // Otherwise presigned PUTs carry an empty-body checksum and fail on real S3.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true, credentials: localCredentials() } : {}),
  });
}
