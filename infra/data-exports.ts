import { Fn } from 'aws-cdk-lib';
import { type ITableV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * The data stack's outputs as a named contract. Platform and phase stacks import these by name
 * instead of holding references to the data stack, so the export names stay stable (and readable
 * in IAM policies and cdk-nag findings) whatever the data stack's construct tree looks like.
 */
export const DATA_EXPORTS = [
  'TableName',
  'TableArn',
  'DatasetsBucket',
  'SubmissionsBucket',
  'PredictionsBucket',
  'HiddenBucket',
  'OpenDataBucket',
  'LabelsKeyArn',
  'ReceiptKeyArn',
] as const;
export type DataExport = (typeof DATA_EXPORTS)[number];

export const dataExportName = (challengeId: string, name: DataExport) => `${challengeId}-data-${name}`;

/** What the platform and phase stacks use from the data stack. */
export interface DataResources {
  table: ITableV2;
  datasets: IBucket;
  submissions: IBucket;
  predictions: IBucket;
  hidden: IBucket;
  /** Open-data releases (`podium release-data --open-data`): private until the organiser opens it. */
  openData: IBucket;
  labelsKey: IKey;
  /** Signs score receipts (ECC_NIST_P256); only scoring roles may sign, the API reads its public key. */
  receiptKey: IKey;
}

const exportNames = new WeakMap<object, string>();

/**
 * The export an imported resource's name comes from: how cdk-nag spells that name in a finding
 * (`arn:<AWS::Partition>:s3:::tissuenet-data-HiddenBucket/...`), so acknowledgements can be exact.
 */
export function importedNameOf(resource: IBucket | ITableV2): string {
  const name = exportNames.get(resource);
  if (!name) throw new Error(`${resource.node.path} was not imported with importDataResources()`);
  return name;
}

/** Imports the data stack's resources into another stack of the same challenge. */
export function importDataResources(scope: Construct, challengeId: string): DataResources {
  const imported = new Construct(scope, 'DataStackImports');
  const value = (name: DataExport) => Fn.importValue(dataExportName(challengeId, name));
  const remember = <T extends object>(resource: T, name: DataExport): T => {
    exportNames.set(resource, dataExportName(challengeId, name));
    return resource;
  };
  const bucket = (id: string, name: DataExport) => remember(Bucket.fromBucketName(imported, id, value(name)), name);
  return {
    table: remember(TableV2.fromTableAttributes(imported, 'Table', { tableName: value('TableName') }), 'TableName'),
    datasets: bucket('Datasets', 'DatasetsBucket'),
    submissions: bucket('Submissions', 'SubmissionsBucket'),
    predictions: bucket('Predictions', 'PredictionsBucket'),
    hidden: bucket('Hidden', 'HiddenBucket'),
    openData: bucket('OpenData', 'OpenDataBucket'),
    labelsKey: Key.fromKeyArn(imported, 'LabelsKey', value('LabelsKeyArn')),
    receiptKey: Key.fromKeyArn(imported, 'ReceiptKey', value('ReceiptKeyArn')),
  };
}
