import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { finishTrainingJob, secondsBetween } from './finish-training-job.ts';
import { isTrainingTerminal, type TrainingJobRecord } from './training-job-record.ts';

/**
 * The team cancels its job: one that has not started is charged nothing, a running one its run
 * time so far. The runner is told through `stopRunning` (TerminateJob, on AWS Batch and on the local job
 * runner, which takes a queued job out of its queue); its own end, arriving later, changes nothing.
 */
export async function cancelTrainingJob(
  ctx: PodiumContext,
  job: TrainingJobRecord,
  cancelledBy: string,
  stopRunning: (trainingJobId: string) => Promise<void> = async () => {},
): Promise<TrainingJobRecord> {
  if (isTrainingTerminal(job.status)) throw new PodiumError('INVALID_STATE', `training job ${job.id} has already ended (${job.status})`);
  const runSeconds = job.status === 'RUNNING' ? Math.min(secondsBetween(job.startedAt, ctx.now().toISOString()), job.runSecondsLimit) : 0;
  const ended = await finishTrainingJob(ctx, job.id, { end: 'CANCELLED', runSeconds, message: 'cancelled by the team', cancelledBy });
  // TerminateJob stops a running job and takes a queued one out of its queue.
  if (job.status === 'RUNNING' || job.status === 'QUEUED') await stopRunning(job.id);
  return ended ?? job;
}
