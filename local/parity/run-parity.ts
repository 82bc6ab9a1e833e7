import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import yazl from 'yazl';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { CHALLENGE_FILE_NAME } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { reserveQuota } from '#shared/submissions/quota.ts';
import { createSubmissionRecord, findSubmission, type SubmissionRecord } from '#shared/submissions/submission-record.ts';
import type { RoleDecision } from '../iam/role-proxy.ts';
import { findReceipt } from '#shared/receipts/receipt-record.ts';
import { listReceiptKeys } from '#shared/receipts/receipt-keys.ts';
import { verifyReceipt } from '#shared/receipts/score-receipt.ts';
import { ContainerJobLauncher } from '../job-runner/container-launcher.ts';
import { localSettings } from '../local-config.ts';
import { startLocalPlatform } from '../platform.ts';
import { ensureJobImages } from './job-images.ts';
import { importValueResolver } from './local-data-exports.ts';
import { synthesizeJobs, type SynthesizedJobs } from './synthesized-jobs.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const FINAL = ['SCORED', 'FAILED', 'REJECTED', 'CANCELLED'];

/**
 * Submissions run besides each example's baseline: models that need the runtime's frameworks
 * (a PyTorch CNN reads the TissueNet slides with tifffile), so a runtime that lost one fails here.
 */
export const PARITY_MODELS: Record<string, string[]> = { tissuenet: ['submissions/pytorch-cnn'] };

export interface ParityOutcome {
  challengeId: string;
  /** The submitted folder, relative to the example: `baseline` or one of PARITY_MODELS. */
  folder: string;
  submissionId: string;
  status: string;
  failure?: SubmissionRecord['failure'];
  scores?: SubmissionRecord['scores'];
  /** The predictions file the platform stored for the final attempt. */
  predictions?: string;
  /** The scoring job's signed receipt, checked against the published keys: `verified`, or why not. */
  receipt?: string;
  /** The runtime image the receipt names. */
  receiptRuntime?: string;
  seconds: number;
}

export interface ParityRun {
  outcomes: ParityOutcome[];
  /** Seconds per step: synth, images, platform start, submissions. */
  timings: Record<string, number>;
  /** The job runner's lines (job output, exits), for a failure's story. */
  jobLog: string[];
  /** Each container job's storage calls as evaluated under its role (empty with PODIUM_IAM_PARITY=off). */
  roleDecisions: Map<string, RoleDecision[]>;
}

export interface ParityOptions {
  examplesDir?: string;
  /** Where base rootfs tarballs are kept between runs. */
  cacheDir?: string;
  log?: (line: string) => void;
  /** Per submission (default 10 minutes). */
  limitMs?: number;
  /** Job definitions and images already prepared (prepareJobContainers). */
  prepared?: PreparedJobContainers;
  /** `process`: the same flow with jobs as plain child processes (the reference for benchmarks). */
  runtime?: 'container' | 'process';
  /** Overrides PODIUM_IAM_PARITY (the benchmark compares with the evaluation off). */
  iamParity?: boolean;
}

export interface PreparedJobContainers {
  synthesized: SynthesizedJobs;
  /** Built image per asset hash. */
  images: Map<string, string>;
}

/** Synthesizes the examples and builds their job images (cached): what a container run needs. */
export async function prepareJobContainers(options: Pick<ParityOptions, 'examplesDir' | 'cacheDir' | 'log'> = {}): Promise<PreparedJobContainers> {
  const log = options.log ?? (() => {});
  const examplesDir = options.examplesDir ?? join(REPO_ROOT, 'examples');
  const cacheDir = options.cacheDir ?? process.env.PODIUM_IMAGE_CACHE ?? join(REPO_ROOT, '.data/image-cache');
  const challengeDirs = (await readdir(examplesDir))
    .map((name) => join(examplesDir, name))
    .filter((dir) => existsSync(join(dir, CHALLENGE_FILE_NAME)))
    .sort();
  log(`parity: synthesizing ${challengeDirs.length} example challenges…`);
  const synthesized = await synthesizeJobs(challengeDirs);
  log(`parity: ${synthesized.contracts.size} job definitions, ${synthesized.assets.size} images`);
  const images = await ensureJobImages(synthesized.assets.values(), cacheDir, log);
  return { synthesized, images };
}

/**
 * The parity run: the examples' stacks synthesized, their two job images built from their
 * Dockerfiles, the local platform started with every job run as its container under its job
 * definition, and one baseline submission of each example followed to its final state.
 */
export async function runParity(options: ParityOptions = {}): Promise<ParityRun> {
  const log = options.log ?? (() => {});
  const examplesDir = options.examplesDir ?? join(REPO_ROOT, 'examples');
  const timings: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      timings[step] = (Date.now() - started) / 1000;
    }
  };

  const containers = options.runtime !== 'process';
  const prepared = containers ? (options.prepared ?? (await timed('synth and images', () => prepareJobContainers({ ...options, log })))) : undefined;

  const jobLog: string[] = [];
  const roleDecisions = new Map<string, RoleDecision[]>();
  const onDecision = (jobId: string, decision: RoleDecision) => roleDecisions.set(jobId, [...(roleDecisions.get(jobId) ?? []), decision]);
  const launcher =
    prepared &&
    new ContainerJobLauncher({
      contracts: prepared.synthesized.contracts,
      images: prepared.images,
      importValues: importValueResolver,
      log,
      onDecision,
    });
  const dataDir = await mkdtemp(join(tmpdir(), 'podium-parity-'));
  const platform = await timed('platform', () =>
    startLocalPlatform({
      persist: false,
      settings: { ...localSettings(), dataDir, examplesDir },
      reconcileIntervalMs: 0,
      ...(launcher ? { jobLauncher: launcher.launch } : {}),
      ...(options.iamParity !== undefined ? { iamParity: options.iamParity } : {}),
      log: (line) => jobLog.push(line),
    }),
  );
  try {
    const outcomes = await timed('submissions', () =>
      Promise.all(
        platform.challenges.flatMap((challenge) =>
          ['baseline', ...(PARITY_MODELS[challenge.id] ?? [])].map(async (folder, index) => {
            const started = Date.now();
            const archive = await zipFolder(join(examplesDir, challenge.id, folder));
            // A team per submission: the phase allows one run at a time per team.
            const submissionId = await submitArchive(platform.ctx, challenge, archive, `team-parity-${index}`);
            log(`parity: ${challenge.id} ${folder} submitted as ${submissionId}`);
            const limitMs = options.limitMs ?? 600_000;
            const final = await waitForFinal(platform.ctx, submissionId, limitMs);
            const predictions = final?.status === 'SCORED' ? await storedPredictions(platform.ctx, submissionId, final.attempt) : undefined;
            const receipt = final?.scores ? await receiptOf(platform.ctx, submissionId, final.scores) : undefined;
            const check = receipt ? verifyReceipt(receipt, await listReceiptKeys(platform.ctx)) : undefined;
            return {
              challengeId: challenge.id,
              folder,
              submissionId,
              status: final && FINAL.includes(final.status) ? final.status : `${final?.status ?? 'MISSING'} (still, after ${limitMs / 1000} s)`,
              ...(final?.failure ? { failure: final.failure } : {}),
              ...(final?.scores ? { scores: final.scores } : {}),
              ...(predictions ? { predictions } : {}),
              ...(final?.scores ? { receipt: check ? (check.ok ? 'verified' : check.problem) : 'none' } : {}),
              ...(receipt ? { receiptRuntime: receipt.statement.runtimeImage } : {}),
              seconds: (Date.now() - started) / 1000,
            };
          }),
        ),
      ),
    );
    return { outcomes, timings, jobLog, roleDecisions };
  } finally {
    await platform.close();
    await launcher?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The receipt the scoring job signs just after it records SCORED, waited for a little. */
async function receiptOf(ctx: PodiumContext, submissionId: string, scores: NonNullable<SubmissionRecord['scores']>) {
  for (let tries = 0; tries < 60; tries++) {
    const receipt = await findReceipt(ctx, submissionId, scores);
    if (receipt) return receipt;
    await sleep(500);
  }
  return undefined;
}

/** Zips a folder as a competitor would. */
async function zipFolder(dir: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(dir, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else zip.addBuffer(await readFile(join(dir, path)), path);
    }
  };
  await walk('');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What the API does for a scored submission to the first phase: quota reserved, record created, archive PUT. */
async function submitArchive(ctx: PodiumContext, challenge: Challenge, archive: Buffer, teamId: string): Promise<string> {
  const phase = challenge.phases[0]!;
  const id = `sub-parity-${challenge.id}-${teamId}-${Date.now().toString(36)}`;
  const { quotaDay } = await reserveQuota(ctx, challenge.id, phase, teamId, id, 'scored');
  const archiveKey = objectKeys.submissionArchive(challenge.id, phase.id, teamId, id);
  await createSubmissionRecord(ctx, {
    id,
    challengeId: challenge.id,
    phaseId: phase.id,
    teamId,
    submittedBy: 'parity',
    mode: 'scored',
    archiveKey,
    ...(quotaDay ? { quotaDay } : {}),
  });
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: archiveKey, Body: archive }));
  return id;
}

async function storedPredictions(ctx: PodiumContext, submissionId: string, attempt: number): Promise<string | undefined> {
  const object = await ctx.s3
    .send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.predictions(submissionId, attempt) }))
    .catch(() => undefined);
  return object?.Body?.transformToString();
}

/** The record once final, or as it stands when the limit passes. */
async function waitForFinal(ctx: PodiumContext, submissionId: string, limitMs: number): Promise<SubmissionRecord | undefined> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const submission = await findSubmission(ctx, submissionId);
    if (submission && FINAL.includes(submission.status)) return submission;
    if (Date.now() > deadline) return submission;
    await sleep(250);
  }
}
