import { PutObjectCommand } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { recordTrainingResult } from './record-training-result.ts';
import { runTrainingJob } from './run-training-job.ts';
import { findTrainingJob, type TrainingJobRecord } from './training-job-record.ts';
import { claimTrainingJob, logTrainingDataReads } from './training-job-start.ts';
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
    return await recordTrainingResult(ctx, job.id, result);
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
