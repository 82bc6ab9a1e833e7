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
import { attachableOutputs } from '#shared/training/attach-outputs.ts';
import { gpuHours } from '#shared/training/budget-units.ts';
import { startTrainingJob } from '#shared/training/start-training-job.ts';
import { readTrainingBudget, reserveTrainingBudget } from '#shared/training/training-budget.ts';
import { createTrainingJobRecord, findTrainingJob, isTrainingTerminal, type TrainingJobRecord } from '#shared/training/training-job-record.ts';
import type { AttachedTrainingOutputs } from '#shared/submissions/submission-record.ts';
import { listReceiptKeys } from '#shared/receipts/receipt-keys.ts';
import { verifyReceipt } from '#shared/receipts/score-receipt.ts';
import { ContainerJobLauncher } from '../job-runner/container-launcher.ts';
import { localSettings } from '../local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../platform.ts';
import { ensureJobImages } from './job-images.ts';
import { importValueResolver } from './local-data-exports.ts';
import { synthesizeJobs, type SynthesizedJobs } from './synthesized-jobs.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
type LocalPlatformTrainingLauncher = LocalPlatform['trainingLauncher'];
const FINAL = ['SCORED', 'FAILED', 'REJECTED', 'CANCELLED'];

/**
 * Submissions run besides each example's baseline: models that need the runtime's frameworks
 * (a PyTorch CNN reads the TissueNet slides with tifffile), so a runtime that lost one fails here.
 */
export const PARITY_MODELS: Record<string, string[]> = { tissuenet: ['submissions/pytorch-cnn'] };

/**
 * A training run on the platform (`podium train`) in the phase's image, then a submission of
 * `submission` without the files training makes (`without`) and with the run's outputs attached
 * (`--with-outputs`): it scores only if the weights trained in the container are next to main.py.
 */
export const PARITY_TRAINING: Record<string, { training: string; submission: string; without: string[] }> = {
  tissuenet: { training: 'training', submission: 'submissions/pytorch-cnn', without: ['model.pt'] },
};

export interface ParityTrainingOutcome {
  challengeId: string;
  trainingJobId: string;
  status: string;
  message?: string;
  /** train.py's run time, as the job measured it and the budget was charged. */
  runSeconds?: number;
  /** What the team's budget was charged (CPU training: one GPU-second per second). */
  gpuHoursCharged: number;
  outputs: string[];
  seconds: number;
}
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
  /** Each PARITY_TRAINING run; its submission is among `outcomes`, its folder marked `--with-outputs`. */
  trainings: ParityTrainingOutcome[];
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
            const archive = await zipFolder(join(examplesDir, challenge.id, folder));
            // A team per submission: the phase allows one run at a time per team.
            return followSubmission(platform.ctx, challenge, folder, archive, `team-parity-${index}`, options.limitMs ?? 600_000, log);
          }),
        ),
      ),
    );
    const trainings: ParityTrainingOutcome[] = [];
    for (const challenge of platform.challenges) {
      const run = PARITY_TRAINING[challenge.id];
      if (!run) continue;
      const teamId = 'team-parity-training';
      const trained = await timed('training', () =>
        trainOnPlatform(platform.ctx, challenge, teamId, join(examplesDir, challenge.id, run.training), platform.trainingLauncher, log),
      );
      trainings.push(trained);
      if (trained.outputs.length === 0) continue;
      const archive = await zipFolder(join(examplesDir, challenge.id, run.submission), run.without);
      const attached = await attachableOutputs(platform.ctx, challenge, challenge.phases[0]!.id, teamId, trained.trainingJobId);
      const folder = `${run.submission} --with-outputs`;
      outcomes.push(
        await timed('trained submission', () => followSubmission(platform.ctx, challenge, folder, archive, teamId, options.limitMs ?? 600_000, log, attached)),
      );
    }
    return { outcomes, trainings, timings, jobLog, roleDecisions };
  } finally {
    await platform.close();
    await launcher?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** One submission of the first phase followed to its final state, with its predictions and verified receipt. */
async function followSubmission(
  ctx: PodiumContext,
  challenge: Challenge,
  folder: string,
  archive: Buffer,
  teamId: string,
  limitMs: number,
  log: (line: string) => void,
  trainingOutputs?: AttachedTrainingOutputs,
): Promise<ParityOutcome> {
  const started = Date.now();
  const submissionId = await submitArchive(ctx, challenge, archive, teamId, trainingOutputs);
  log(`parity: ${challenge.id} ${folder} submitted as ${submissionId}`);
  const final = await waitForFinal(ctx, submissionId, limitMs);
  const predictions = final?.status === 'SCORED' ? await storedPredictions(ctx, submissionId, final.attempt) : undefined;
  const receipt = final?.scores ? await receiptOf(ctx, submissionId, final.scores) : undefined;
  const check = receipt ? verifyReceipt(receipt, await listReceiptKeys(ctx)) : undefined;
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
}

/**
 * What `podium train <folder>` and the API do for a team on the first phase: budget reserved, job
 * created, archive stored, then started (the API's start route: checked, QUEUED, submitted to the
 * runner as the phase's training job definition), followed to its end.
 */
async function trainOnPlatform(
  ctx: PodiumContext,
  challenge: Challenge,
  teamId: string,
  folder: string,
  launcher: LocalPlatformTrainingLauncher,
  log: (line: string) => void,
): Promise<ParityTrainingOutcome> {
  const started = Date.now();
  const phase = challenge.phases[0]!;
  const id = `t-parity-${Date.now().toString(36)}`;
  const reservation = await reserveTrainingBudget(ctx, challenge.id, phase, teamId, id);
  const archive = await zipFolder(folder);
  const archiveKey = objectKeys.trainingArchive(challenge.id, phase.id, teamId, id);
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: archiveKey, Body: archive }));
  const created = await createTrainingJobRecord(ctx, {
    id,
    challengeId: challenge.id,
    phaseId: phase.id,
    teamId,
    submittedBy: 'parity',
    archiveKey,
    archiveBytes: archive.length,
    runSecondsLimit: reservation.runSeconds,
    budgetLimited: reservation.budgetLimited,
  });
  await startTrainingJob(ctx, challenge, created, launcher);
  log(`parity: ${challenge.id} training job ${id} started`);
  let job: TrainingJobRecord | undefined = created;
  while (job && !(isTrainingTerminal(job.status) && job.settledAt)) {
    await sleep(500);
    job = await findTrainingJob(ctx, id);
  }
  const budget = await readTrainingBudget(ctx, challenge.id, phase.id, teamId);
  return {
    challengeId: challenge.id,
    trainingJobId: id,
    status: job?.status ?? 'MISSING',
    ...(job?.message ? { message: job.message } : {}),
    ...(job?.runSeconds !== undefined ? { runSeconds: job.runSeconds } : {}),
    gpuHoursCharged: gpuHours(budget?.usedGpuSeconds ?? 0),
    outputs: job?.status === 'SUCCEEDED' ? (job.outputs ?? []).map((output) => output.path) : [],
    seconds: (Date.now() - started) / 1000,
  };
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

/** Zips a folder as a competitor would, leaving out the top-level files named in `without`. */
async function zipFolder(dir: string, without: string[] = []): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(dir, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (without.includes(path)) continue;
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
async function submitArchive(
  ctx: PodiumContext,
  challenge: Challenge,
  archive: Buffer,
  teamId: string,
  trainingOutputs?: AttachedTrainingOutputs,
): Promise<string> {
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
    ...(trainingOutputs ? { trainingOutputs } : {}),
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
