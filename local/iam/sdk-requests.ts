// Not from local-data-exports.ts: that loads aws-cdk-lib, seconds a job process should not pay.
import { LOCAL_ACCOUNT_ID, LOCAL_PARTITION } from './local-account.ts';

/** One authorization AWS makes for an SDK call: an action on a resource, with the request's condition keys. */
export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

type Input = Record<string, unknown>;

const objectArn = (bucket: unknown, key: unknown) => `arn:${LOCAL_PARTITION}:s3:::${String(bucket)}/${String(key)}`;
const bucketArn = (bucket: unknown) => `arn:${LOCAL_PARTITION}:s3:::${String(bucket)}`;

/** S3 commands → the action each is authorized as (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations.html). */
const S3_OBJECT_ACTIONS: Record<string, string> = {
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  GetObjectAttributes: 's3:GetObject',
  PutObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  ListParts: 's3:ListMultipartUploadParts',
  DeleteObject: 's3:DeleteObject',
  GetObjectTagging: 's3:GetObjectTagging',
  PutObjectTagging: 's3:PutObjectTagging',
};

/**
 * What S3 authorizes for a command. An unknown command fails, naming it, so a new kind of call
 * cannot slip past the evaluation unnoticed.
 */
export function s3Requests(command: string, input: Input): IamRequest[] {
  const operation = command.replace(/Command$/, '');
  const objectAction = S3_OBJECT_ACTIONS[operation];
  if (objectAction) {
    const versioned = input.VersionId !== undefined && (objectAction === 's3:GetObject' || objectAction === 's3:DeleteObject');
    const context: Record<string, string> = {};
    if (typeof input.ServerSideEncryption === 'string') context['s3:x-amz-server-side-encryption'] = input.ServerSideEncryption;
    if (typeof input.SSEKMSKeyId === 'string') context['s3:x-amz-server-side-encryption-aws-kms-key-id'] = input.SSEKMSKeyId;
    return [{ action: versioned ? `${objectAction}Version` : objectAction, resource: objectArn(input.Bucket, input.Key), context }];
  }
  switch (operation) {
    case 'ListObjectsV2':
    case 'ListObjects':
    case 'ListObjectVersions': {
      const context: Record<string, string> = { 's3:prefix': String(input.Prefix ?? '') };
      if (input.Delimiter !== undefined) context['s3:delimiter'] = String(input.Delimiter);
      if (input.MaxKeys !== undefined) context['s3:max-keys'] = String(input.MaxKeys);
      return [{ action: operation === 'ListObjectVersions' ? 's3:ListBucketVersions' : 's3:ListBucket', resource: bucketArn(input.Bucket), context }];
    }
    case 'ListMultipartUploads':
      return [{ action: 's3:ListBucketMultipartUploads', resource: bucketArn(input.Bucket), context: {} }];
    case 'HeadBucket':
      return [{ action: 's3:ListBucket', resource: bucketArn(input.Bucket), context: {} }];
    case 'CreateBucket':
      return [{ action: 's3:CreateBucket', resource: bucketArn(input.Bucket), context: {} }];
    case 'DeleteObjects': {
      const objects = ((input.Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects ?? []).map((object) => object.Key);
      return objects.map((key) => ({ action: 's3:DeleteObject', resource: objectArn(input.Bucket, key), context: {} }));
    }
    case 'CopyObject': {
      const source = decodeURIComponent(String(input.CopySource).replace(/^\//, '').split('?')[0]!);
      return [
        { action: 's3:GetObject', resource: `arn:${LOCAL_PARTITION}:s3:::${source}`, context: {} },
        { action: 's3:PutObject', resource: objectArn(input.Bucket, input.Key), context: {} },
      ];
    }
    default:
      throw new Error(`S3 ${operation}: no IAM mapping in local/iam/sdk-requests.ts; add the action it is authorized as`);
  }
}

/** The string a marshalled attribute value holds (`{ S: "…" }`), or undefined. */
const stringOf = (value: unknown): string | undefined => {
  const attribute = value as { S?: string; N?: string } | undefined;
  return attribute?.S ?? attribute?.N;
};

/** The partition key's value in a `pk = :pk` key condition, resolving `#names` and `:values`. */
function queriedPartition(input: Input, partitionKey: string): string | undefined {
  const expression = String(input.KeyConditionExpression ?? '');
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  for (const [, name, value] of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    if ((names[name!] ?? name) === partitionKey) return stringOf(values[value!]);
  }
  return undefined;
}

/** The key schema the evaluation needs: the table's partition key and each index's. */
export interface TableKeys {
  partition: string;
  indexes: Record<string, string>;
}

/**
 * What DynamoDB authorizes for a command. `dynamodb:LeadingKeys` carries the partition keys the
 * call touches, as DynamoDB sets it: a condition on it (the scoring role's DeleteItem) is then
 * evaluated, never vacuously true for want of the key.
 */
export function dynamoRequests(command: string, input: Input, region: string, keys: TableKeys): IamRequest[] {
  const operation = command.replace(/Command$/, '');
  const tableArn = (table: unknown) => `arn:${LOCAL_PARTITION}:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${String(table)}`;
  const leading = (values: (string | undefined)[]): Record<string, string[]> => {
    const known = [...new Set(values.filter((value): value is string => value !== undefined))];
    return known.length ? { 'dynamodb:LeadingKeys': known } : {};
  };
  switch (operation) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem': {
      const item = (operation === 'PutItem' ? input.Item : input.Key) as Record<string, unknown>;
      return [{ action: `dynamodb:${operation}`, resource: tableArn(input.TableName), context: leading([stringOf(item?.[keys.partition])]) }];
    }
    case 'Query': {
      const index = input.IndexName as string | undefined;
      const partitionKey = index ? keys.indexes[index] : keys.partition;
      if (index && !partitionKey) throw new Error(`DynamoDB Query on index ${index}: not in the table design`);
      const resource = index ? `${tableArn(input.TableName)}/index/${index}` : tableArn(input.TableName);
      return [{ action: 'dynamodb:Query', resource, context: leading([queriedPartition(input, partitionKey!)]) }];
    }
    case 'Scan': {
      const index = input.IndexName as string | undefined;
      return [{ action: 'dynamodb:Scan', resource: index ? `${tableArn(input.TableName)}/index/${index}` : tableArn(input.TableName), context: {} }];
    }
    case 'BatchWriteItem':
    case 'BatchGetItem': {
      const perTable = (input.RequestItems ?? {}) as Record<string, unknown>;
      return Object.entries(perTable).map(([table, requests]) => {
        const partitions =
          operation === 'BatchGetItem'
            ? ((requests as { Keys?: Record<string, unknown>[] }).Keys ?? []).map((key) => stringOf(key[keys.partition]))
            : (requests as { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } }[]).map((request) =>
                stringOf((request.PutRequest?.Item ?? request.DeleteRequest?.Key)?.[keys.partition]),
              );
        return { action: `dynamodb:${operation}`, resource: tableArn(table), context: leading(partitions) };
      });
    }
    case 'TransactWriteItems':
    case 'TransactGetItems':
      throw new Error(`DynamoDB ${operation}: Podium uses single-item conditional writes only (docs/ARCHITECTURE.md); not evaluated locally`);
    case 'DescribeTable':
    case 'CreateTable':
    case 'DeleteTable':
      return [{ action: `dynamodb:${operation}`, resource: tableArn(input.TableName), context: {} }];
    default:
      throw new Error(`DynamoDB ${operation}: no IAM mapping in local/iam/sdk-requests.ts; add the action it is authorized as`);
  }
}
