import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { appendAccessLog } from '../data-access/access-log.ts';
import { MANIFEST_FILE, type DatasetManifest } from '../datasets/dataset-layout.ts';
import { objectKeys } from '../storage/object-keys.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { finishTrainingJob } from './finish-training-job.ts';
import { runTrainingJob } from './run-training-job.ts';
import { findTrainingJob, transitionTrainingJob, type TrainingJobRecord } from './training-job-record.ts';
import { trainingRunKeys, trainingRunSpec } from './training-run-spec.ts';

export interface TrainingExecution {
  /** Parent of the job's private work folder (the instance volume on AWS, the OS temp dir locally). */
  workRoot: string;
  sandboxMode?: SandboxMode;
  /** How often a running job records that it is alive (default 15 s): a lost job is charged up to its last sign. */
  heartbeatMs?: number;
  /** Aborted when the job is cancelled: train.py stops at once, its outputs so far are kept. */
  signal?: AbortSignal;
  /** How often the log so far is stored while train.py runs, for the team to follow (default 5 s). */
  logEveryMs?: number;
}

/** The archive landed: CREATED → QUEUED. Repeated, it changes nothing. */
export async function queueTrainingJob(ctx: PodiumContext, trainingJobId: string): Promise<boolean> {
  return transitionTrainingJob(ctx, trainingJobId, ['CREATED'], 'QUEUED', { queuedAt: ctx.now().toISOString() });
}

/** QUEUED → RUNNING, so two workers never run a job twice; false when it was claimed or cancelled. */
export async function claimTrainingJob(ctx: PodiumContext, trainingJobId: string): Promise<boolean> {
  const startedAt = ctx.now().toISOString();
  return transitionTrainingJob(ctx, trainingJobId, ['QUEUED'], 'RUNNING', { startedAt, lastSeenAt: startedAt });
}

/**
 * One access-log entry per training dataset the job reads, naming the job: data that never leaves
 * the account is still read, and the organisers see by whom. Written by the platform when the job
 * starts, since the job itself holds no table credentials.
 */
export async function logTrainingDataReads(ctx: PodiumContext, challenge: Challenge, job: TrainingJobRecord): Promise<void> {
  const at = ctx.now().toISOString();
  const entries = [];
  for (const datasetId of trainingRunSpec(challenge, job).datasets) {
    const manifest = await ctx.s3.send(
      new GetObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: objectKeys.datasetFile(challenge.id, datasetId, MANIFEST_FILE) }),
    );
    const files = (JSON.parse(await manifest.Body!.transformToString()) as DatasetManifest).files.length;
    entries.push({
      at,
      userId: `training-job:${job.id}`,
      email: `team:${job.teamId}`,
      datasetId,
      path: `${files} files, read by training job ${job.id}`,
      expiresAt: at,
    });
  }
  await appendAccessLog(ctx, challenge.id, entries);
}

/**
 * Runs one queued training job to its end on this machine (the local worker): claims it, logs its
 * data reads, runs the job's own work (runTrainingJob: S3 alone, what the AWS container runs) with a
 * heartbeat, and ends the job from its result, settling its budget by the second. Returns
 * undefined when the job was not QUEUED (already claimed, cancelled).
 */
export async function executeTrainingJob(
  ctx: PodiumContext,
  challenge: Challenge,
  trainingJobId: string,
  execution: TrainingExecution,
): Promise<TrainingJobRecord | undefined> {
  if (!(await claimTrainingJob(ctx, trainingJobId))) return undefined;
  const job = (await findTrainingJob(ctx, trainingJobId))!;
  await logTrainingDataReads(ctx, challenge, job);
  const spec = trainingRunSpec(challenge, job);
  const logKey = trainingRunKeys(spec).log;
  const heartbeat = setInterval(() => void recordHeartbeat(ctx, job.id).catch(() => {}), execution.heartbeatMs ?? 15_000);
  try {
    const result = await runTrainingJob(ctx, spec, {
      workRoot: execution.workRoot,
      ...(execution.sandboxMode ? { sandboxMode: execution.sandboxMode } : {}),
      ...(execution.signal ? { signal: execution.signal } : {}),
      // The log so far, stored where the team reads it: live logs by polling.
      onLog: async (text) => {
        await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: logKey, Body: text, ContentType: 'text/plain; charset=utf-8' }));
      },
      progressMs: execution.logEveryMs ?? 5000,
    });
    return await finishTrainingJob(ctx, job.id, result);
  } finally {
    clearInterval(heartbeat);
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
