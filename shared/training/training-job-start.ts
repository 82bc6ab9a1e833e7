import { GetObjectCommand } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { appendAccessLog } from '../data-access/access-log.ts';
import { MANIFEST_FILE, type DatasetManifest } from '../datasets/dataset-layout.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { keys } from '../storage/table-design.ts';
import { transitionTrainingJob, type TrainingJobRecord } from './training-job-record.ts';
import { trainingRunSpec } from './training-run-spec.ts';

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

/** The job is still running (a heartbeat): a job lost later is charged up to this. Only a RUNNING job is touched. */
export async function recordTrainingHeartbeat(ctx: PodiumContext, trainingJobId: string): Promise<boolean> {
  return writeIfCondition(
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
