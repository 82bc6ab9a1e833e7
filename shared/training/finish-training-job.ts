import type { PodiumContext } from '../context.ts';
import { removeMember } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { createLogger } from '../logger.ts';
import type { TrainingEnd } from './run-training.ts';
import { settleTrainingBudget } from './training-budget.ts';
import { findTrainingJob, isTrainingTerminal, markTrainingJobSettled, transitionTrainingJob, type TrainingJobRecord } from './training-job-record.ts';
import type { TrainingOutputFile } from './training-outputs.ts';

const log = createLogger('pipeline');

export interface TrainingJobEnd {
  end: TrainingEnd;
  runSeconds: number;
  message: string;
  outputs?: TrainingOutputFile[];
  cancelledBy?: string;
}

/**
 * Ends a training job: records its end (one conditional write from CREATED, QUEUED or RUNNING),
 * then settles its budget for the run time the record holds and frees its concurrency slot. Each
 * step is safe to repeat, and the steps after the first run for an already-ended job too: a
 * replayed end, or the reconciler after a crash between two steps (the job stays in the active
 * index until the last one), completes what is missing and charges nothing twice. The first end recorded wins; a later one changes only what was missing.
 */
export async function finishTrainingJob(ctx: PodiumContext, trainingJobId: string, ending: TrainingJobEnd): Promise<TrainingJobRecord | undefined> {
  const at = ctx.now().toISOString();
  const recorded = await transitionTrainingJob(ctx, trainingJobId, ['CREATED', 'QUEUED', 'RUNNING'], ending.end, {
    runSeconds: ending.runSeconds,
    message: ending.message,
    endedAt: at,
    ...(ending.outputs ? { outputs: ending.outputs } : {}),
    ...(ending.cancelledBy ? { cancelledBy: ending.cancelledBy } : {}),
  });
  const job = await findTrainingJob(ctx, trainingJobId);
  if (!job || !isTrainingTerminal(job.status)) return job;
  if (recorded) log.info('training job ended', { trainingJobId, end: job.status, runSeconds: job.runSeconds });
  await settleTrainingBudget(ctx, job.challengeId, job.phaseId, job.teamId, job.id, job.runSeconds ?? 0);
  await removeMember(ctx.db, ctx.config.tableName, keys.trainingSlots(job.challengeId, job.phaseId, job.teamId), job.id);
  await markTrainingJobSettled(ctx, job.id);
  return job;
}

/** Seconds between two instants, at least 0. */
export const secondsBetween = (from: string | undefined, to: string): number => (from ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : 0);
