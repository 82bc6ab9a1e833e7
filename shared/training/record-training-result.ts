import type { PodiumContext } from '../context.ts';
import { finishTrainingJob } from './finish-training-job.ts';
import { recordLateTrainingOutputs, type TrainingJobRecord } from './training-job-record.ts';
import type { TrainingRunResult } from './training-run-schemas.ts';

/**
 * Ends a job from its run's own result (the job-state handler, from the job's `result.json`, on AWS
 * and locally). When a cancel already recorded the end while train.py ran, the result still
 * brings the outputs the run kept: they are added once, to a job that has none.
 */
export async function recordTrainingResult(ctx: PodiumContext, trainingJobId: string, result: TrainingRunResult): Promise<TrainingJobRecord | undefined> {
  const job = await finishTrainingJob(ctx, trainingJobId, result);
  if (job && result.outputs.length > 0 && !job.outputs) {
    if (await recordLateTrainingOutputs(ctx, job.id, result.outputs)) job.outputs = result.outputs;
  }
  return job;
}
