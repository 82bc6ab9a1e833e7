import { DATA_EXPORTS, dataExportName, type DataExport } from '../../infra/data-exports.ts';
import type { StorageConfig } from '#shared/storage/storage-config.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_PARTITION } from '../iam/local-account.ts';

export { LOCAL_ACCOUNT_ID, LOCAL_PARTITION };

/**
 * What each data-stack export resolves to on the local stack: the one mapping from the names a
 * synthesized template imports (`tissuenet-data-HiddenBucket`) to the buckets and table the local
 * stack uses. A new export fails to compile here until it is mapped.
 */
export function localDataExports(challengeId: string, config: StorageConfig): Map<string, string> {
  const arn = (service: string, resource: string) => `arn:${LOCAL_PARTITION}:${service}:${config.region}:${LOCAL_ACCOUNT_ID}:${resource}`;
  const values: Record<DataExport, string> = {
    TableName: config.tableName,
    TableArn: arn('dynamodb', `table/${config.tableName}`),
    DatasetsBucket: config.datasetsBucket,
    SubmissionsBucket: config.submissionsBucket,
    PredictionsBucket: config.predictionsBucket,
    HiddenBucket: config.hiddenBucket,
    OpenDataBucket: config.openDataBucket ?? 'podium-open-data',
    // s3rver has no KMS: a stand-in ARN, the shape the variable has on AWS.
    LabelsKeyArn: config.labelsKmsKeyId ?? arn('kms', 'key/podium-local-labels'),
    // Signed with a key file under .data/ (local/receipt-key.ts) that stands in for this KMS key.
    ReceiptKeyArn: localReceiptKeyArn(config),
  };
  return new Map(DATA_EXPORTS.map((name) => [dataExportName(challengeId, name), values[name]]));
}

/** The stand-in ARN of the receipt key: the key id local receipts carry and the local API publishes. */
export function localReceiptKeyArn(config: Pick<StorageConfig, 'region'>): string {
  return `arn:${LOCAL_PARTITION}:kms:${config.region}:${LOCAL_ACCOUNT_ID}:key/podium-local-receipts`;
}

/** An `Fn::ImportValue` resolver over the exports of one challenge; an unknown name fails naming it. */
export function importValueResolver(challengeId: string, config: StorageConfig): (exportName: string) => string {
  const exports = localDataExports(challengeId, config);
  return (exportName) => {
    const value = exports.get(exportName);
    if (value === undefined) throw new Error(`Fn::ImportValue ${exportName}: no local value (known: ${[...exports.keys()].join(', ')})`);
    return value;
  };
}
