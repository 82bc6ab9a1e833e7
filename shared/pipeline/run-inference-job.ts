import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { ArchiveProblem } from '../archive/archive-problem.ts';
import { getArchiveObject } from '../archive/archive-version.ts';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import { findPhase, smokeDatasetOf } from '../challenge/challenge.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import type { PodiumContext } from '../context.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { settleQuota } from '../submissions/quota.ts';
import { findSubmission, transitionSubmission, type SubmissionFailure, type SubmissionRecord } from '../submissions/submission-record.ts';
import { runSubmission } from './run-submission.ts';

export interface InferenceJobOptions {
  /** Parent of the per-run work folder (default: the OS temp dir). */
  workRoot?: string;
  sandboxMode?: SandboxMode;
  /** Largest predictions file accepted. */
  maxPredictionsBytes?: number;
}

export type InferenceJobResult =
  | { outcome: 'skipped'; why: string }
  | { outcome: 'failed'; failure: SubmissionFailure }
  | { outcome: 'predicted'; rows: number };

const INPUT_DOWNLOAD_CONCURRENCY = 16;

/**
 * The inference job: fetches the archive and the inputs (hidden inputs, or the smoke dataset's
 * for a smoke run; never labels), extracts safely, runs main.py in the sandbox, stores the run
 * log, validates the predictions and uploads them. A competitor's failure is recorded on the
 * submission (conditional on the attempt) and the job ends normally; anything else throws, the
 * job exits non-zero, and the job-state handler treats it as a platform fault.
 */
export async function runInferenceJob(ctx: PodiumContext, submissionId: string, attempt: number, options: InferenceJobOptions = {}): Promise<InferenceJobResult> {
  const submission = await findSubmission(ctx, submissionId);
  if (!submission) return { outcome: 'skipped', why: 'no such submission' };
  if (submission.attempt !== attempt || !['QUEUED', 'RUNNING'].includes(submission.status)) {
    return { outcome: 'skipped', why: `submission is ${submission.status} at attempt ${submission.attempt}` };
  }
  const challenge = await getChallenge(ctx, submission.challengeId);
  const phase = findPhase(challenge, submission.phaseId);
  if (!phase) throw new Error(`phase ${submission.phaseId} is not in challenge ${challenge.id}`);

  const workDir = await mkdtemp(join(options.workRoot ?? tmpdir(), 'podium-inference-'));
  // The sandbox runs as another uid and must traverse to the folders it binds.
  await chmod(workDir, 0o711);
  try {
    const archivePath = join(workDir, 'submission.zip');
    const inputsDir = join(workDir, 'inputs');
    try {
      // Only the version validated on upload runs: a later PUT to the same key is refused here.
      const archive = { bucket: ctx.config.submissionsBucket, key: submission.archiveKey, ...(submission.archiveETag ? { eTag: submission.archiveETag } : {}) };
      await save(await getArchiveObject(ctx.s3, archive, 'after it was validated'), archivePath);
    } catch (error) {
      if (error instanceof ArchiveProblem) return recordFailure(ctx, submission, phase, { reason: error.reason, message: error.message });
      throw error;
    }
    await downloadInputs(ctx, submission, phase, challenge, inputsDir);

    const outcome = await runSubmission({
      archivePath,
      inputsDir,
      workDir,
      phase,
      format: challenge.submissionFormat,
      showsStderr: submission.mode === 'smoke' || phase.runtime.logPolicy !== 'none',
      ...(options.sandboxMode ? { sandboxMode: options.sandboxMode } : {}),
      ...(options.maxPredictionsBytes ? { maxPredictionsBytes: options.maxPredictionsBytes } : {}),
    });
    if (outcome.run) {
      // The full capped, sanitised log is stored; who sees how much is decided when it is read.
      await ctx.s3.send(
        new PutObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(submission.id), Body: outcome.run.log.text(), ContentType: 'text/plain; charset=utf-8' }),
      );
    }
    if (!outcome.ok) return recordFailure(ctx, submission, phase, outcome.failure);
    await ctx.s3.send(
      new PutObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.predictions(submission.id), Body: await readFile(outcome.predictionsPath), ContentType: 'text/csv' }),
    );
    return { outcome: 'predicted', rows: outcome.rows };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function recordFailure(ctx: PodiumContext, submission: SubmissionRecord, phase: PhaseDefinition, failure: SubmissionFailure): Promise<InferenceJobResult> {
  const recorded = await transitionSubmission(ctx, submission.id, { to: 'FAILED', from: ['QUEUED', 'RUNNING'], attempt: submission.attempt, set: { failure } });
  if (recorded) {
    const failed = await findSubmission(ctx, submission.id);
    if (failed) await settleQuota(ctx, failed, phase);
  }
  return { outcome: 'failed', failure };
}

async function save(object: GetObjectCommandOutput, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  await pipeline(object.Body as Readable, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
}

async function download(ctx: PodiumContext, bucket: string, key: string, target: string): Promise<void> {
  await save(await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), target);
}

/** Copies the run's inputs: hidden inputs for a scored run, the smoke dataset's inputs for a smoke run. */
async function downloadInputs(
  ctx: PodiumContext,
  submission: SubmissionRecord,
  phase: PhaseDefinition,
  challenge: Parameters<typeof smokeDatasetOf>[0],
  inputsDir: string,
): Promise<void> {
  let bucket: string;
  let prefix: string;
  if (submission.mode === 'smoke') {
    const smoke = smokeDatasetOf(challenge, phase.id);
    if (!smoke) throw new Error(`phase ${phase.id} has no smoke dataset`);
    bucket = ctx.config.datasetsBucket;
    prefix = `${objectKeys.datasetPrefix(challenge.id, smoke.id)}inputs/`;
  } else {
    bucket = ctx.config.hiddenBucket;
    prefix = objectKeys.hiddenInputsPrefix(challenge.id, phase.dataset);
  }
  await mkdir(inputsDir, { recursive: true, mode: 0o755 });
  const root = resolve(inputsDir);
  const downloads: { key: string; target: string }[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const relative = object.Key!.slice(prefix.length);
      const target = resolve(root, relative);
      if (relative && target.startsWith(root + sep)) downloads.push({ key: object.Key!, target });
    }
    token = page.NextContinuationToken;
  } while (token);
  if (downloads.length === 0) throw new Error(`no inputs found under s3://${bucket}/${prefix}`);
  // Thousands of slides: fetched a few at a time rather than one after another.
  await mapWithConcurrency(downloads, INPUT_DOWNLOAD_CONCURRENCY, ({ key, target }) => download(ctx, bucket, key, target));
}

