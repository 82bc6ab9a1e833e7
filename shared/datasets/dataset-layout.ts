import type { DatasetDefinition } from '../challenge/definition-schema.ts';
import type { StorageConfig } from '../storage/storage-config.ts';
import { objectKeys } from '../storage/object-keys.ts';

/**
 * Where each file of an organiser's dataset folder goes. On disk a challenge's data root holds
 * one folder per dataset id:
 *   training: `<id>/**`                      → datasets bucket, downloadable after the rules are accepted
 *   smoke:    `<id>/inputs/**`, `<id>/labels.csv` → datasets bucket (a public sample)
 *   hidden:   `<id>/inputs/**`               → hidden bucket, inputs prefix (mounted for inference)
 *             `<id>/labels.csv`              → hidden bucket, labels prefix (scoring job only)
 */
export interface ObjectPlacement {
  bucket: string;
  key: string;
  /** True for label files: encrypted under the labels KMS key on AWS. */
  isLabels: boolean;
}

export function placeDatasetFile(config: StorageConfig, challengeId: string, dataset: DatasetDefinition, relativePath: string): ObjectPlacement | undefined {
  if (dataset.kind !== 'hidden') {
    return { bucket: config.datasetsBucket, key: objectKeys.datasetFile(challengeId, dataset.id, relativePath), isLabels: false };
  }
  if (relativePath === 'labels.csv') {
    return { bucket: config.hiddenBucket, key: objectKeys.labels(challengeId, dataset.id), isLabels: true };
  }
  if (relativePath.startsWith('inputs/')) {
    return {
      bucket: config.hiddenBucket,
      key: objectKeys.hiddenInput(challengeId, dataset.id, relativePath.slice('inputs/'.length)),
      isLabels: false,
    };
  }
  return undefined;
}

/** Files every evaluated dataset must have, relative to its folder. */
export function requiredFiles(dataset: DatasetDefinition): string[] {
  if (dataset.kind === 'training') return [];
  return ['inputs/submission_format.csv', 'labels.csv'];
}

export const MANIFEST_FILE = 'manifest.json';

/**
 * The manifest of a hidden dataset, byte for byte: every file (inputs and labels) sorted by path.
 * `upload-data` stores it; score receipts name its SHA-256; `release-data` writes the same bytes,
 * so a released dataset can be matched with the receipts of the runs scored on it.
 */
export function hiddenManifestJson(challengeId: string, datasetId: string, files: readonly { path: string; bytes: number; sha256: string }[]): string {
  const sorted = files.map(({ path, bytes, sha256 }) => ({ path, bytes, sha256 })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return JSON.stringify({ challengeId, datasetId, files: sorted }, null, 2);
}

export interface DatasetManifest {
  challengeId: string;
  datasetId: string;
  files: { path: string; bytes: number; sha256: string }[];
}
