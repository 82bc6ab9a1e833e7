import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { archiveLimitsFor } from '../archive/archive-limits.ts';
import { ArchiveProblem } from '../archive/archive-problem.ts';
import { getArchiveObject } from '../archive/archive-version.ts';
import { extractArchive } from '../archive/extract-archive.ts';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PhaseDefinition, SubmissionFormat } from '../challenge/definition-schema.ts';
import { findPhase, smokeDatasetOf } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { DEFAULT_SANDBOX_LIMITS, runSandboxed, type SandboxResult } from '../sandbox/run-sandboxed.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import { validatePredictions } from '../scoring/validate-predictions.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { settleQuota } from '../submissions/quota.ts';
import { findSubmission, transitionSubmission, type SubmissionFailure, type SubmissionRecord } from '../submissions/submission-record.ts';
import { failureMessages } from './failure-messages.ts';

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

const FORMAT_FILE = 'submission_format.csv';

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
    const codeDir = join(workDir, 'code');
    const inputsDir = join(workDir, 'inputs');
    try {
      // Only the version validated on upload runs: a later PUT to the same key is refused here.
      const archive = { bucket: ctx.config.submissionsBucket, key: submission.archiveKey, ...(submission.archiveETag ? { eTag: submission.archiveETag } : {}) };
      await save(await getArchiveObject(ctx.s3, archive, 'after it was validated'), archivePath);
      await downloadInputs(ctx, submission, phase, challenge, inputsDir);
      await extractArchive(archivePath, codeDir, archiveLimitsFor(phase));
    } catch (error) {
      if (error instanceof ArchiveProblem) return recordFailure(ctx, submission, phase, { reason: error.reason, message: error.message });
      throw error;
    }
    await rm(archivePath);

    const run = await runSandboxed({
      codeDir,
      dataDir: inputsDir,
      dataMount: phase.runtime.dataMount,
      tmpDir: join(workDir, 'tmp'),
      ...(phase.runtime.python ? { python: phase.runtime.python } : {}),
      gpus: phase.runtime.gpus,
      ...(options.sandboxMode ? { mode: options.sandboxMode } : {}),
      limits: { ...DEFAULT_SANDBOX_LIMITS, timeLimitSeconds: phase.runtime.timeLimitSeconds, memoryMiB: phase.runtime.memoryMiB },
    });
    // The full capped, sanitised log is stored; who sees how much is decided when it is read.
    await ctx.s3.send(
      new PutObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(submission.id), Body: run.log.text(), ContentType: 'text/plain; charset=utf-8' }),
    );
    const runFailure = failureOfRun(run, submission, phase);
    if (runFailure) return recordFailure(ctx, submission, phase, runFailure);

    const outputPath = join(codeDir, phase.runtime.outputFile);
    const maxBytes = options.maxPredictionsBytes ?? 512 * 1024 * 1024;
    const problem = await outputFileProblem(outputPath, maxBytes);
    if (problem) {
      return recordFailure(ctx, submission, phase, { reason: 'NO_PREDICTIONS_FILE', message: failureMessages.noPredictionsFile(phase.runtime.outputFile, problem, maxBytes) });
    }
    const expectedIds = await readExpectedIds(join(inputsDir, FORMAT_FILE), challenge.submissionFormat);
    const validation = await validatePredictions(createReadStream(outputPath), challenge.submissionFormat, expectedIds);
    if (!validation.ok) {
      const message = validation.hint ? `${validation.message} (hint: ${validation.hint})` : validation.message;
      return recordFailure(ctx, submission, phase, { reason: 'PREDICTIONS_INVALID', message });
    }
    await ctx.s3.send(
      new PutObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.predictions(submission.id), Body: await readFile(outputPath), ContentType: 'text/csv' }),
    );
    return { outcome: 'predicted', rows: validation.rows };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The competitor-facing failure of a finished sandbox run, if it failed. */
function failureOfRun(run: SandboxResult, submission: SubmissionRecord, phase: PhaseDefinition): SubmissionFailure | undefined {
  switch (run.outcome) {
    case 'timeout':
      return { reason: 'TIMEOUT', message: failureMessages.timeout(phase.runtime) };
    case 'out-of-memory':
      return { reason: 'OUT_OF_MEMORY', message: failureMessages.outOfMemory(phase.runtime) };
    case 'disk-full':
      return { reason: 'USER_ERROR', message: failureMessages.scratchDiskFull(Math.round(DEFAULT_SANDBOX_LIMITS.maxScratchBytes / 1024 / 1024)) };
    case 'exited': {
      if (run.exitCode === 0) return undefined;
      // The last stderr line is output too: shown only where the team may see logs.
      const showsLogs = submission.mode === 'smoke' || phase.runtime.logPolicy !== 'none';
      const status = run.exitCode !== null ? run.exitCode : `signal ${run.signal ?? 'unknown'}`;
      return { reason: 'USER_ERROR', message: failureMessages.userError(status, showsLogs ? run.log.lastStderrLine : undefined, phase.runtime.dataMount) };
    }
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

async function outputFileProblem(path: string, maxBytes: number): Promise<'missing' | 'not-a-file' | 'too-large' | 'empty' | undefined> {
  try {
    const stat = await lstat(path);
    if (!stat.isFile()) return 'not-a-file';
    if (stat.size > maxBytes) return 'too-large';
    if (stat.size === 0) return 'empty';
    return undefined;
  } catch {
    return 'missing';
  }
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
  let token: string | undefined;
  let files = 0;
  do {
    const page = await ctx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const relative = object.Key!.slice(prefix.length);
      const target = resolve(root, relative);
      if (!relative || !target.startsWith(root + sep)) continue;
      await download(ctx, bucket, object.Key!, target);
      files++;
    }
    token = page.NextContinuationToken;
  } while (token);
  if (files === 0) throw new Error(`no inputs found under s3://${bucket}/${prefix}`);
}

/** The ids the predictions must list: the id column of the dataset's submission_format.csv (organiser data). */
async function readExpectedIds(path: string, format: SubmissionFormat): Promise<string[]> {
  const handle = await open(path);
  try {
    const lines = (await handle.readFile('utf8')).replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line.length > 0);
    const unquote = (field: string) => field.replace(/^"(.*)"$/, '$1').replace(/""/g, '"');
    const header = lines[0]!.split(',').map(unquote);
    const column = header.indexOf(format.idColumn);
    if (column < 0) throw new Error(`${FORMAT_FILE} has no "${format.idColumn}" column`);
    return lines.slice(1).map((line) => unquote(line.split(',')[column] ?? ''));
  } finally {
    await handle.close();
  }
}
