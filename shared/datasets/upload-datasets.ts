import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import { hiddenManifestJson, MANIFEST_FILE, placeDatasetFile, requiredFiles, type DatasetManifest, type ObjectPlacement } from './dataset-layout.ts';
import { fileChecksums, hexToBase64, partCount, partRange, partSizeFor, S3_MULTIPART_LIMITS } from './file-checksums.ts';
import { abandon, isNoSuchUpload, uploadMultipart } from './multipart-upload.ts';
import { readUploadState, removeUploadState, uploadStateFile, type UploadState } from './upload-state.ts';

const MiB = 1024 * 1024;

/** What an upload reports as it goes, for a progress bar. */
export type UploadEvent =
  /** A large file is being hashed before upload (no bytes move meanwhile). */
  | { kind: 'hashing'; datasetId: string; path: string; bytes: number }
  /** An interrupted upload of this file continues; `bytes` were already sent by an earlier run. */
  | { kind: 'resuming'; datasetId: string; path: string; bytes: number; partsDone: number; parts: number }
  /** Bytes acknowledged by S3 (a part, or a whole small file). */
  | { kind: 'sent'; bytes: number }
  /** A file is finished: uploaded, or skipped because the stored SHA-256 matches. */
  | { kind: 'file'; datasetId: string; path: string; bytes: number; skipped: boolean; parts?: number }
  /** Something the organiser should know that does not stop the upload (a stale state ignored). */
  | { kind: 'notice'; message: string };

export interface UploadDatasetsOptions {
  onProgress?: (event: UploadEvent) => void;
  /** Where interrupted multipart uploads keep their state; without it they start over. */
  stateDir?: string;
  /** Files this large or larger go as multipart uploads; smaller ones as one PutObject. */
  multipartThresholdBytes?: number;
  /** Preferred part size (≥ 5 MiB); grown for files that would need more than 10,000 parts. */
  partSizeBytes?: number;
  /** Parts in flight per file. */
  partConcurrency?: number;
  /** Files in flight at once. */
  fileConcurrency?: number;
  /** Aborting stops the upload; finished parts stay recorded for the next run. */
  signal?: AbortSignal;
}

export interface UploadSummary {
  uploaded: number;
  skipped: number;
  /** Files whose upload continued from an interrupted run. */
  resumed: number;
  bytesSent: number;
}

type UploadTuning = Required<Pick<UploadDatasetsOptions, 'multipartThresholdBytes' | 'partSizeBytes' | 'partConcurrency' | 'fileConcurrency'>>;

const UPLOAD_DEFAULTS: Readonly<UploadTuning> = {
  multipartThresholdBytes: 64 * MiB,
  partSizeBytes: 16 * MiB,
  partConcurrency: 4,
  fileConcurrency: 8,
};

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
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
 * Large files go as multipart uploads that resume after an interruption (see `stateDir`).
 */
export async function uploadChallengeDatasets(
  ctx: PodiumContext,
  challenge: Challenge,
  dataRoot: string,
  options: UploadDatasetsOptions = {},
): Promise<UploadSummary> {
  const settings = { ...UPLOAD_DEFAULTS, ...definedOnly(options) };
  if (settings.partSizeBytes < S3_MULTIPART_LIMITS.minPartBytes) {
    throw new PodiumError('VALIDATION_FAILED', `part size ${settings.partSizeBytes} bytes is below S3's minimum of 5 MiB`);
  }
  await checkDataRoot(challenge, dataRoot);
  const emit = options.onProgress ?? (() => {});
  // One failing file stops the others rather than letting them run on unobserved.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const summary: UploadSummary = { uploaded: 0, skipped: 0, resumed: 0, bytesSent: 0 };
  for (const dataset of challenge.datasets) {
    const folder = join(dataRoot, dataset.id);
    const manifest: DatasetManifest = { challengeId: challenge.id, datasetId: dataset.id, files: [] };
    const placed = (await listFiles(folder))
      .map((path) => ({ path, placement: placeDatasetFile(ctx.config, challenge.id, dataset, path) }))
      .filter((file): file is { path: string; placement: ObjectPlacement } => file.placement !== undefined);
    const entries = await mapWithConcurrency(placed, settings.fileConcurrency, async ({ path, placement }) => {
      signal.throwIfAborted();
      const file = { datasetId: dataset.id, path, fullPath: resolve(folder, path), placement };
      try {
        return await uploadDatasetFile(ctx, file, settings, summary, emit, signal);
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    }).catch((error: unknown) => {
      // The caller's reason (Ctrl-C) or the first file's failure, not the others' AbortErrors.
      throw options.signal?.aborted ? (options.signal.reason ?? error) : (stop.signal.reason ?? error);
    });
    manifest.files = entries.filter((entry) => !entry.isLabels).map(({ path, bytes, sha256 }) => ({ path, bytes, sha256 }));
    if (dataset.kind === 'hidden') {
      // Labels included: a score receipt names this manifest's digest as the data it was scored on.
      await ctx.s3.send(
        new PutObjectCommand({
          Bucket: ctx.config.hiddenBucket,
          Key: objectKeys.hiddenManifest(challenge.id, dataset.id),
          Body: hiddenManifestJson(challenge.id, dataset.id, entries),
          ContentType: 'application/json',
        }),
      );
    } else {
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
  return summary;
}

interface DatasetFile {
  datasetId: string;
  path: string;
  fullPath: string;
  placement: ObjectPlacement;
}

type UploadSettings = UploadDatasetsOptions & UploadTuning;

async function uploadDatasetFile(
  ctx: PodiumContext,
  file: DatasetFile,
  settings: UploadSettings,
  summary: UploadSummary,
  emit: (event: UploadEvent) => void,
  signal: AbortSignal,
): Promise<{ path: string; bytes: number; sha256: string; isLabels: boolean }> {
  const { bucket, key, isLabels } = file.placement;
  const { size, mtimeMs } = await stat(file.fullPath);
  const kms = isLabels && ctx.config.labelsKmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: ctx.config.labelsKmsKeyId } : undefined;
  const finish = (sha256: string, skipped: boolean, parts?: number) => {
    if (skipped) summary.skipped++;
    else summary.uploaded++;
    emit({ kind: 'file', datasetId: file.datasetId, path: file.path, bytes: size, skipped, ...(parts ? { parts } : {}) });
    return { path: file.path, bytes: size, sha256, isLabels };
  };

  if (size < settings.multipartThresholdBytes) {
    const { sha256 } = await fileChecksums(file.fullPath, undefined, signal);
    if ((await storedChecksum(ctx, bucket, key)) === sha256) return finish(sha256, true);
    await ctx.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: await readFile(file.fullPath),
        Metadata: { sha256 },
        // S3 checks the bytes it receives against this; s3rver ignores it.
        ChecksumSHA256: hexToBase64(sha256),
        ...kms,
      }),
      { abortSignal: signal },
    );
    summary.bytesSent += size;
    emit({ kind: 'sent', bytes: size });
    return finish(sha256, false);
  }

  if (size > S3_MULTIPART_LIMITS.maxObjectBytes) {
    throw new PodiumError('VALIDATION_FAILED', `${file.datasetId}/${file.path} is ${size} bytes, over S3's object limit of 5 TiB`);
  }
  const partSize = partSizeFor(size, settings.partSizeBytes);
  const stateFile = settings.stateDir ? uploadStateFile(settings.stateDir, bucket, key) : undefined;
  let resumeFrom = stateFile ? await usableState(ctx, stateFile, file, { size, mtimeMs, partSize }, emit) : undefined;
  let checksums = resumeFrom ? { sha256: resumeFrom.sha256, partSha256: resumeFrom.partSha256 } : undefined;
  if (!checksums) {
    emit({ kind: 'hashing', datasetId: file.datasetId, path: file.path, bytes: size });
    checksums = await fileChecksums(file.fullPath, partSize, signal);
  }
  if ((await storedChecksum(ctx, bucket, key)) === checksums.sha256) {
    // Stored already: an earlier run was killed between completing the upload and forgetting it.
    if (resumeFrom && stateFile) await abandon(ctx.s3, resumeFrom, stateFile);
    return finish(checksums.sha256, true);
  }
  const parts = partCount(size, partSize);
  const source = { bucket, key, path: file.fullPath, size, mtimeMs, partSize, checksums, ...(kms ? { encryption: kms } : {}) };
  const onPartSent = (bytes: number) => {
    summary.bytesSent += bytes;
    emit({ kind: 'sent', bytes });
  };
  for (;;) {
    if (resumeFrom) {
      const bytes = resumeFrom.completed.reduce((total, part) => {
        const range = partRange(part.partNumber, partSize, size);
        return total + range.end - range.start;
      }, 0);
      emit({ kind: 'resuming', datasetId: file.datasetId, path: file.path, bytes, partsDone: resumeFrom.completed.length, parts });
    }
    try {
      await uploadMultipart(ctx.s3, source, { concurrency: settings.partConcurrency, stateFile, resumeFrom, signal, onPartSent });
      if (resumeFrom) summary.resumed++;
      return finish(checksums.sha256, false, parts);
    } catch (error) {
      // The interrupted upload expired or was aborted on S3's side (lifecycle rule): start over once.
      if (!resumeFrom || !isNoSuchUpload(error)) throw error;
      emit({ kind: 'notice', message: `${file.datasetId}/${file.path}: the interrupted upload no longer exists on S3; starting it over` });
      resumeFrom = undefined;
    }
  }
}

/**
 * The state an earlier, interrupted run left for this object, if it still describes this file;
 * otherwise says why it is ignored and abandons the old upload.
 */
async function usableState(
  ctx: PodiumContext,
  stateFile: string,
  file: DatasetFile,
  current: { size: number; mtimeMs: number; partSize: number },
  emit: (event: UploadEvent) => void,
): Promise<UploadState | undefined> {
  const { bucket, key } = file.placement;
  const stored = await readUploadState(stateFile, bucket, key);
  if (stored.status === 'none') return undefined;
  let reason: string | undefined;
  if (stored.status === 'unreadable') reason = `its state file ${stateFile} is unreadable (${stored.reason})`;
  else if (stored.state.source !== file.fullPath) reason = `the interrupted upload was from ${stored.state.source}`;
  else if (stored.state.size !== current.size || stored.state.mtimeMs !== current.mtimeMs) reason = 'the file changed since the interrupted upload';
  else if (stored.state.partSize !== current.partSize) reason = `the part size changed (${stored.state.partSize} → ${current.partSize} bytes)`;
  if (!reason && stored.status === 'found') return stored.state;
  emit({ kind: 'notice', message: `${file.datasetId}/${file.path}: not resuming, ${reason}; uploading it from the start` });
  const uploadId = stored.status === 'found' ? stored.state.uploadId : stored.uploadId;
  if (uploadId) await abandon(ctx.s3, { bucket, key, uploadId }, stateFile);
  else await removeUploadState(stateFile);
  return undefined;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
