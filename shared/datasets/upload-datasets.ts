import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import { MANIFEST_FILE, placeDatasetFile, requiredFiles, type DatasetManifest, type ObjectPlacement } from './dataset-layout.ts';

const UPLOAD_CONCURRENCY = 8;

export interface UploadProgress {
  datasetId: string;
  path: string;
  bytes: number;
  skipped: boolean;
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function storedChecksum(ctx: PodiumContext, bucket: string, key: string): Promise<string | undefined> {
  try {
    const head = await ctx.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata?.sha256;
  } catch {
    return undefined;
  }
}

/** Checks the data root holds every dataset the challenge declares, with the files each needs. */
export async function checkDataRoot(challenge: Challenge, dataRoot: string): Promise<void> {
  const problems: string[] = [];
  for (const dataset of challenge.datasets) {
    const folder = join(dataRoot, dataset.id);
    const folderStat = await stat(folder).catch(() => undefined);
    if (!folderStat?.isDirectory()) {
      problems.push(`datasets.${dataset.id}: folder ${folder} is missing`);
      continue;
    }
    for (const required of requiredFiles(dataset)) {
      if (!(await stat(join(folder, required)).catch(() => undefined))) problems.push(`datasets.${dataset.id}: ${required} is missing`);
    }
    if (dataset.kind !== 'training') {
      const header = (await readFile(join(folder, 'labels.csv'), 'utf8').catch(() => '')).split(/\r?\n/, 1)[0] ?? '';
      const columns = header.replace(/^\uFEFF/, '').split(',');
      const expected = [challenge.submissionFormat.idColumn, ...challenge.submissionFormat.columns.map((c) => c.name)];
      if (dataset.splitColumn) expected.push(dataset.splitColumn);
      const missing = expected.filter((column) => !columns.includes(column));
      if (header && missing.length) problems.push(`datasets.${dataset.id}: labels.csv lacks column(s) ${missing.join(', ')}`);
    }
  }
  if (problems.length) {
    throw new PodiumError('VALIDATION_FAILED', `data in ${dataRoot} does not match the challenge: ${problems.join('; ')}`, { problems });
  }
}

/**
 * Uploads every dataset of a challenge from `dataRoot/<datasetId>/`, skipping files whose stored
 * SHA-256 already matches, and writes a manifest per dataset for checksummed, resumable downloads.
 */
export async function uploadChallengeDatasets(
  ctx: PodiumContext,
  challenge: Challenge,
  dataRoot: string,
  onProgress: (progress: UploadProgress) => void = () => {},
): Promise<{ uploaded: number; skipped: number }> {
  await checkDataRoot(challenge, dataRoot);
  let uploaded = 0;
  let skipped = 0;
  for (const dataset of challenge.datasets) {
    const folder = join(dataRoot, dataset.id);
    const manifest: DatasetManifest = { challengeId: challenge.id, datasetId: dataset.id, files: [] };
    const placed = (await listFiles(folder))
      .map((path) => ({ path, placement: placeDatasetFile(ctx.config, challenge.id, dataset, path) }))
      .filter((file): file is { path: string; placement: ObjectPlacement } => file.placement !== undefined);
    const entries = await mapWithConcurrency(placed, UPLOAD_CONCURRENCY, async ({ path, placement }) => {
      const fullPath = join(folder, path);
      const [sha256, { size }] = await Promise.all([sha256File(fullPath), stat(fullPath)]);
      const unchanged = (await storedChecksum(ctx, placement.bucket, placement.key)) === sha256;
      if (!unchanged) {
        const kms = placement.isLabels && ctx.config.labelsKmsKeyId;
        await ctx.s3.send(
          new PutObjectCommand({
            Bucket: placement.bucket,
            Key: placement.key,
            Body: await readFile(fullPath),
            Metadata: { sha256 },
            ...(kms ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ctx.config.labelsKmsKeyId } : {}),
          }),
        );
      }
      if (unchanged) skipped++;
      else uploaded++;
      onProgress({ datasetId: dataset.id, path, bytes: size, skipped: unchanged });
      return { path, bytes: size, sha256, isLabels: placement.isLabels };
    });
    manifest.files = entries.filter((entry) => !entry.isLabels).map(({ path, bytes, sha256 }) => ({ path, bytes, sha256 }));
    if (dataset.kind !== 'hidden') {
      await ctx.s3.send(
        new PutObjectCommand({
          Bucket: ctx.config.datasetsBucket,
          Key: objectKeys.datasetFile(challenge.id, dataset.id, MANIFEST_FILE),
          Body: JSON.stringify(manifest, null, 2),
          ContentType: 'application/json',
        }),
      );
    }
  }
  return { uploaded, skipped };
}
