import type { PodiumContext } from '../context.ts';
import { notifyBudgetAlerts } from '../notifications/budget-alert-notifications.ts';
import { finishTrainingJob, secondsBetween } from './finish-training-job.ts';
import { isTrainingTerminal, listActiveTrainingJobs } from './training-job-record.ts';

/** A running job silent this long is lost (its worker crashed): four missed heartbeats. */
export const LOST_AFTER_SECONDS = 60;
/** A job whose archive never came: its reservation is given back after the upload URL expired. */
export const UPLOAD_ABANDONED_AFTER_SECONDS = 2 * 60 * 60;

/**
 * Ends what a crash left behind, once: a RUNNING job whose last sign of life is older than
 * LOST_AFTER_SECONDS ends FAILED and is charged from its start to that last sign (its real run
 * time, to a heartbeat); a CREATED job whose archive never arrived ends CANCELLED, charged
 * nothing; an ended job still in the active index (a crash between its end and its settlement) is
 * settled with the run time it recorded. All go through finishTrainingJob, so running this twice, or beside a late end event,
 * charges once. QUEUED jobs are left to the runner. The budget alerts a repair crossed are told.
 */
export async function reconcileTrainingJobs(ctx: PodiumContext): Promise<Record<string, string>> {
  const now = ctx.now().toISOString();
  const repaired: Record<string, string> = {};
  for (const job of await listActiveTrainingJobs(ctx)) {
    if (isTrainingTerminal(job.status)) {
      // Ended, but a crash came before its settlement: complete it with the run time it recorded.
      await finishTrainingJob(ctx, job.id, { end: 'FAILED', runSeconds: job.runSeconds ?? 0, message: job.message ?? '' });
      repaired[job.id] = 'settled after a crash';
    } else if (job.status === 'RUNNING' && secondsBetween(job.lastSeenAt ?? job.startedAt, now) > LOST_AFTER_SECONDS) {
      const runSeconds = Math.min(secondsBetween(job.startedAt, job.lastSeenAt ?? job.startedAt ?? now), job.runSecondsLimit);
      await finishTrainingJob(ctx, job.id, {
        end: 'FAILED',
        runSeconds,
        message: `the platform lost this job (its worker stopped); charged ${Math.ceil(runSeconds)} s, up to its last sign of life`,
      });
      repaired[job.id] = 'lost while running';
    } else if (job.status === 'CREATED' && secondsBetween(job.createdAt, now) > UPLOAD_ABANDONED_AFTER_SECONDS) {
      await finishTrainingJob(ctx, job.id, { end: 'CANCELLED', runSeconds: 0, message: 'no archive was uploaded', cancelledBy: 'system: upload abandoned' });
      repaired[job.id] = 'upload abandoned';
    } else continue;
    await notifyBudgetAlerts(ctx, job);
  }
  return repaired;
}
