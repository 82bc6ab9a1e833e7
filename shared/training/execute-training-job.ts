import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import { requirePhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { appendAccessLog } from '../data-access/access-log.ts';
import { MANIFEST_FILE, type DatasetManifest } from '../datasets/dataset-layout.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { keys } from '../storage/table-design.ts';
import { finishTrainingJob } from './finish-training-job.ts';
import { runTraining } from './run-training.ts';
import { findTrainingJob, transitionTrainingJob, type TrainingJobRecord } from './training-job-record.ts';
import { uploadTrainingOutputs } from './training-outputs.ts';

export interface TrainingExecution {
  /** Parent of the job's private work folder (the instance volume on AWS, the OS temp dir locally). */
  workRoot: string;
  sandboxMode?: SandboxMode;
  /** How often a running job records that it is alive (default 15 s): a lost job is charged up to its last sign. */
  heartbeatMs?: number;
}

/** The archive landed: CREATED → QUEUED. Repeated, it changes nothing. */
export async function queueTrainingJob(ctx: PodiumContext, trainingJobId: string): Promise<boolean> {
  return transitionTrainingJob(ctx, trainingJobId, ['CREATED'], 'QUEUED', { queuedAt: ctx.now().toISOString() });
}

/**
 * Runs one queued training job to its end: claims it (QUEUED → RUNNING, so two workers never run it
 * twice), stages the phase's training datasets read-only (one access-log entry per dataset read),
 * runs train.py in the sandbox within the budget's reservation, copies `outputs/` and the log under
 * the team's prefix, and ends the job, settling its budget by the second. Returns undefined when the
 * job was not QUEUED (already claimed, cancelled).
 */
export async function executeTrainingJob(
  ctx: PodiumContext,
  challenge: Challenge,
  trainingJobId: string,
  execution: TrainingExecution,
): Promise<TrainingJobRecord | undefined> {
  const startedAt = ctx.now().toISOString();
  if (!(await transitionTrainingJob(ctx, trainingJobId, ['QUEUED'], 'RUNNING', { startedAt, lastSeenAt: startedAt }))) return undefined;
  const job = (await findTrainingJob(ctx, trainingJobId))!;
  const phase = requirePhase(challenge, job.phaseId);
  const workDir = await mkdtemp(join(execution.workRoot, `training-${job.id}-`));
  // The sandbox uid traverses the work folder to the code and data it binds.
  await chmod(workDir, 0o711);
  const heartbeat = setInterval(() => void recordHeartbeat(ctx, job.id).catch(() => {}), execution.heartbeatMs ?? 15_000);
  try {
    const archivePath = join(workDir, 'train.zip');
    await download(ctx, ctx.config.submissionsBucket, job.archiveKey, archivePath);
    const dataDir = join(workDir, 'data');
    await stageTrainingData(ctx, challenge, job, dataDir);
    const work = join(workDir, 'run');
    await mkdir(work, { mode: 0o711 });
    const outcome = await runTraining({
      archivePath,
      dataDir,
      workDir: work,
      phase,
      reservation: { runSeconds: job.runSecondsLimit, budgetLimited: job.budgetLimited },
      ...(execution.sandboxMode ? { sandboxMode: execution.sandboxMode } : {}),
    });
    const prefix = objectKeys.trainingOutputsPrefix(job.challengeId, job.phaseId, job.teamId, job.id);
    await uploadTrainingOutputs(ctx.s3, ctx.config.submissionsBucket, prefix, outcome.outputsDir, outcome.outputs);
    await ctx.s3.send(
      new PutObjectCommand({
        Bucket: ctx.config.submissionsBucket,
        Key: objectKeys.trainingLog(job.challengeId, job.phaseId, job.teamId, job.id),
        Body: outcome.run?.log.text() ?? '',
        ContentType: 'text/plain; charset=utf-8',
      }),
    );
    return await finishTrainingJob(ctx, job.id, { end: outcome.end, runSeconds: outcome.runSeconds, message: outcome.message, outputs: outcome.outputs });
  } finally {
    clearInterval(heartbeat);
    await rm(workDir, { recursive: true, force: true });
  }
}

async function recordHeartbeat(ctx: PodiumContext, trainingJobId: string): Promise<void> {
  await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.trainingJob(trainingJobId),
      UpdateExpression: 'SET lastSeenAt = :now',
      ConditionExpression: '#status = :running',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':now': ctx.now().toISOString(), ':running': 'RUNNING' },
    }),
  );
}

async function download(ctx: PodiumContext, bucket: string, key: string, path: string): Promise<void> {
  const object = await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await mkdir(dirname(path), { recursive: true });
  await pipeline(object.Body as Readable, createWriteStream(path, { mode: 0o644 }));
}

/**
 * Every training dataset of the challenge under `dataDir/<dataset id>/`, from its manifest, and
 * one access-log entry per dataset naming the job: data that never leaves the account is still
 * read, and the organisers see by whom.
 */
async function stageTrainingData(ctx: PodiumContext, challenge: Challenge, job: TrainingJobRecord, dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const at = ctx.now().toISOString();
  for (const dataset of challenge.datasets.filter((candidate) => candidate.kind === 'training')) {
    const manifestObject = await ctx.s3.send(
      new GetObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: objectKeys.datasetFile(challenge.id, dataset.id, MANIFEST_FILE) }),
    );
    const manifest = JSON.parse(await manifestObject.Body!.transformToString()) as DatasetManifest;
    for (const file of manifest.files) {
      await download(ctx, ctx.config.datasetsBucket, objectKeys.datasetFile(challenge.id, dataset.id, file.path), join(dataDir, dataset.id, file.path));
    }
    await appendAccessLog(ctx, challenge.id, [
      {
        at,
        userId: `training-job:${job.id}`,
        email: `team:${job.teamId}`,
        datasetId: dataset.id,
        path: `${manifest.files.length} files, read by training job ${job.id}`,
        expiresAt: at,
      },
    ]);
  }
}
