import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { BatchJobStateChange } from '../jobs/batch-job-event.ts';
import type { JobStateEvent } from '../jobs/job-runner.ts';
import type { PodiumContext } from '../context.ts';
import { notifyBudgetAlerts } from '../notifications/budget-alert-notifications.ts';
import { claimTrainingJob, logTrainingDataReads } from './training-job-start.ts';
import { finishTrainingJob, secondsBetween } from './finish-training-job.ts';
import { recordTrainingResult } from './record-training-result.ts';
import { findTrainingJob, type TrainingJobRecord } from './training-job-record.ts';
import { trainingRunResultSchema, type TrainingRunResult } from './training-run-schemas.ts';
import { trainingRunKeys } from './training-run-spec.ts';

/** What the platform reads of Batch's "Job State Change" for a training job. */
export interface TrainingJobStateEvent {
  trainingJobId: string;
  status: string;
  statusReason?: string;
  /** Batch's own start and stop of the container (epoch ms), when it ran. */
  startedAt?: number;
  stoppedAt?: number;
  at: string;
}

/** The training job a Batch event is about (its `training-<id>-1` name), or undefined for any other job. */
export function trainingEventFromBatch(event: BatchJobStateChange): TrainingJobStateEvent | undefined {
  const trainingJobId = /^training-([A-Za-z0-9_-]+)-1$/.exec(event.detail.jobName)?.[1];
  if (!trainingJobId) return undefined;
  const { status, statusReason, startedAt, stoppedAt } = event.detail;
  return {
    trainingJobId,
    status,
    at: event.time,
    ...(statusReason ? { statusReason } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(stoppedAt ? { stoppedAt } : {}),
  };
}

/** The training job a job runner's event is about (the local runner reports Batch's events in this shape), or undefined. */
export function trainingEventFromJobState(event: JobStateEvent): TrainingJobStateEvent | undefined {
  if (event.kind !== 'training') return undefined;
  return {
    trainingJobId: event.trainingJobId,
    status: event.status,
    at: event.at,
    ...(event.statusReason ? { statusReason: event.statusReason } : {}),
    ...(event.startedAt ? { startedAt: event.startedAt } : {}),
    ...(event.stoppedAt ? { stoppedAt: event.stoppedAt } : {}),
  };
}

/**
 * Moves a training job along from its Batch events, the only writer of its record on AWS (the job
 * itself holds no table credentials): RUNNING claims it and logs its data reads; SUCCEEDED or
 * FAILED ends it from the `result.json` the job wrote, else (killed, host lost, terminated before
 * it wrote one) FAILED, charged Batch's own run time. Everything goes through conditional writes
 * and finishTrainingJob: a repeated or late event charges nothing twice, and the end of a job the
 * team cancelled only adds the outputs it kept. Then the budget alerts not yet told are told.
 */
export async function onTrainingJobStateChange(ctx: PodiumContext, event: TrainingJobStateEvent): Promise<string> {
  const job = await findTrainingJob(ctx, event.trainingJobId);
  if (!job) return 'unknown training job';
  if (event.status === 'RUNNING') {
    if (!(await claimTrainingJob(ctx, job.id))) return 'already running or ended';
    await logTrainingDataReads(ctx, await getChallenge(ctx, job.challengeId), job);
    return 'running';
  }
  if (event.status !== 'SUCCEEDED' && event.status !== 'FAILED') return 'ignored';
  const outcome = await endTrainingJob(ctx, job, event);
  // The charge may have crossed 70, 90 or 100 % of the budget: the team and the organisers are told once.
  await notifyBudgetAlerts(ctx, job);
  return outcome;
}

async function endTrainingJob(ctx: PodiumContext, job: TrainingJobRecord, event: TrainingJobStateEvent): Promise<string> {
  const result = await readResult(ctx, job);
  if (result) {
    await recordTrainingResult(ctx, job.id, result);
    return `ended ${result.end}`;
  }
  const ranSeconds =
    event.startedAt && event.stoppedAt ? (event.stoppedAt - event.startedAt) / 1000 : job.startedAt ? secondsBetween(job.startedAt, event.at) : 0;
  const runSeconds = Math.min(Math.max(0, ranSeconds), job.runSecondsLimit);
  await finishTrainingJob(ctx, job.id, {
    end: 'FAILED',
    runSeconds,
    message: `the job stopped before it could record its end${event.statusReason ? ` (${event.statusReason})` : ''}; charged ${Math.ceil(runSeconds)} s`,
  });
  return 'ended without a result';
}

async function readResult(ctx: PodiumContext, job: TrainingJobRecord): Promise<TrainingRunResult | undefined> {
  try {
    const object = await ctx.s3.send(
      new GetObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: trainingRunKeys({ ...job, trainingJobId: job.id }).result }),
    );
    const parsed = trainingRunResultSchema.safeParse(JSON.parse(await object.Body!.transformToString()));
    return parsed.success ? parsed.data : undefined;
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}
