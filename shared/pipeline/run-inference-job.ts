import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { ArchiveProblem } from '../archive/archive-problem.ts';
import { getArchiveObject } from '../archive/archive-version.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import { fileChecksums } from '../datasets/file-checksums.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import type { StorageConfig } from '../storage/storage-config.ts';
import { runOutputKeys, type InferenceRunSpec } from './inference-run-spec.ts';
import { listHiddenInputObjects } from './hidden-input-objects.ts';
import { verifyMountedInputs, type MountedInputs } from './mounted-inputs.ts';
import { fixedFailure, type RunFailure } from './run-failure.ts';
import { writeRunOutcome, type RunOutcome } from './run-outcome.ts';
import { runUsageOf } from './run-usage.ts';
import { runSubmission } from './run-submission.ts';
import { copyTrainingOutputs } from '../training/attach-outputs.ts';

/** The folder on the instance volume the job definition mounts for staging and scratch. */
export const WORK_DIR_ENV = 'PODIUM_WORK_DIR';

/** What the launcher may touch: S3 only, through the buckets its job definition declares. */
export interface InferenceStorage {
  s3: S3Client;
  config: Pick<StorageConfig, 'submissionsBucket' | 'hiddenBucket' | 'datasetsBucket' | 'predictionsBucket'>;
}

export interface InferenceJobOptions {
  /** Parent of the per-run work folder: the instance volume, never a RAM disk. */
  workRoot: string;
  sandboxMode?: SandboxMode;
  /** Largest predictions file accepted. */
  maxPredictionsBytes?: number;
  /** The phase's hidden inputs, already on the instance (PODIUM_MOUNTED_INPUTS): read in place, not downloaded. */
  mountedInputs?: MountedInputs;
}

const INPUT_DOWNLOAD_CONCURRENCY = 16;

/**
 * The inference launcher: fetches the archive (pinned to the version validated on upload) and the
 * inputs its run spec names (hidden inputs, or the smoke dataset's for a smoke run; never labels),
 * extracts safely, runs main.py in the sandbox, and stores the attempt's log, predictions and
 * outcome under the attempt's own keys. A competitor's failure is an outcome, and the job ends
 * normally; the scoring job records it. Anything else throws, the job exits non-zero, and the
 * job-state handler treats it as a platform fault.
 */
export async function runInferenceJob(storage: InferenceStorage, spec: InferenceRunSpec, options: InferenceJobOptions): Promise<RunOutcome> {
  const { s3, config } = storage;
  const started = Date.now();
  await mkdir(options.workRoot, { recursive: true });
  const workDir = await mkdtemp(join(options.workRoot, 'podium-inference-'));
  // The sandbox runs as another uid and must traverse to the folders it binds.
  await chmod(workDir, 0o711);
  const outcomeOf = (failure: RunFailure, codeRan: boolean): RunOutcome => ({
    result: 'failed',
    submissionId: spec.submissionId,
    attempt: spec.attempt,
    failure,
    codeRan,
    durationMs: Date.now() - started,
  });
  try {
    const archivePath = join(workDir, 'submission.zip');
    const inputsDir = join(workDir, 'inputs');
    let outcome: RunOutcome;
    try {
      // Only the version validated on upload runs: a later PUT to the same key is refused here.
      await save(await getArchiveObject(s3, { bucket: config.submissionsBucket, ...spec.archive }, 'after it was validated'), archivePath);
      // Hashed before any code runs: the score receipt names exactly these bytes.
      const { sha256: archiveSha256 } = await fileChecksums(archivePath);
      outcome = { ...(await runStaged(storage, spec, { ...options, workDir, archivePath, inputsDir }, started)), archiveSha256 };
    } catch (error) {
      if (!(error instanceof ArchiveProblem)) throw error;
      outcome = outcomeOf(fixedFailure(error.reason, error.message), false);
    }
    await writeRunOutcome(s3, config.predictionsBucket, outcome, runOutputKeys(spec).outcome);
    return outcome;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function runStaged(
  storage: InferenceStorage,
  spec: InferenceRunSpec,
  paths: InferenceJobOptions & { workDir: string; archivePath: string; inputsDir: string },
  started: number,
): Promise<RunOutcome> {
  const { s3, config } = storage;
  const inputsDir = await stageInputs(storage, spec.inputs, paths);
  const run = await runSubmission({
    archivePath: paths.archivePath,
    inputsDir,
    workDir: paths.workDir,
    phase: { runtime: spec.runtime },
    format: spec.format,
    ...(paths.sandboxMode ? { sandboxMode: paths.sandboxMode } : {}),
    ...(paths.maxPredictionsBytes ? { maxPredictionsBytes: paths.maxPredictionsBytes } : {}),
    ...(spec.trainingOutputs ? { addToCode: (codeDir: string) => copyTrainingOutputs(s3, config.submissionsBucket, spec.trainingOutputs!, codeDir) } : {}),
  });
  const base = { submissionId: spec.submissionId, attempt: spec.attempt, durationMs: Date.now() - started, ...(run.run ? { run: runUsageOf(run.run) } : {}) };
  if (run.run) {
    // The full capped, sanitised log is stored; who may read it is decided on read (smoke runs: the team).
    await s3.send(
      new PutObjectCommand({
        Bucket: config.predictionsBucket,
        Key: runOutputKeys(spec).log,
        Body: run.run.log.text(),
        ContentType: 'text/plain; charset=utf-8',
      }),
    );
  }
  if (!run.ok) return { result: 'failed', ...base, failure: run.failure, codeRan: run.run !== undefined };
  await s3.send(
    new PutObjectCommand({
      Bucket: config.predictionsBucket,
      Key: runOutputKeys(spec).predictions,
      Body: await readFile(run.predictionsPath),
      ContentType: 'text/csv',
    }),
  );
  return { result: 'predicted', ...base, rows: run.rows };
}

/**
 * Where the run's inputs are: the instance's read-only mount when it shows exactly the hidden
 * prefix this run reads (checked against S3's listing first), else a download into the work dir
 * (smoke runs, and hosts without the mount: the local process runner). Exported for bench/staging.
 */
export async function stageInputs(
  storage: InferenceStorage,
  inputs: InferenceRunSpec['inputs'],
  paths: Pick<InferenceJobOptions, 'mountedInputs'> & { inputsDir: string },
): Promise<string> {
  const { s3, config } = storage;
  const mounted = paths.mountedInputs;
  if (inputs.bucket === 'hidden' && mounted?.prefix === inputs.prefix) {
    await verifyMountedInputs(s3, config.hiddenBucket, mounted.prefix, mounted.path);
    return mounted.path;
  }
  await downloadInputs(s3, inputs.bucket === 'hidden' ? config.hiddenBucket : config.datasetsBucket, inputs.prefix, paths.inputsDir);
  return paths.inputsDir;
}

async function save(object: GetObjectCommandOutput, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  await pipeline(object.Body as Readable, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
}

/** Copies every object under `prefix` into `inputsDir`, a few at a time (thousands of slides). */
export async function downloadInputs(s3: S3Client, bucket: string, prefix: string, inputsDir: string): Promise<void> {
  await mkdir(inputsDir, { recursive: true, mode: 0o755 });
  const root = resolve(inputsDir);
  const downloads = await listHiddenInputObjects(s3, bucket, prefix, root);
  await mapWithConcurrency(downloads, INPUT_DOWNLOAD_CONCURRENCY, async ({ key, relative }) =>
    save(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), resolve(root, relative)),
  );
}
