import { runRescoreJob } from '#shared/leaderboard/run-rescore-job.ts';
import { JOB_ENV } from '#shared/pipeline/queue-jobs.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { runJob, runJobEntrypoint } from '../job-entrypoint.ts';

/**
 * Entrypoint of the scoring job. Invalid predictions are recorded as PREDICTIONS_INVALID (exit 0);
 * missing labels or predictions and S3 or DynamoDB errors are platform faults (exit 1). Scores are
 * logged; hidden labels never are.
 *
 * With JOB_ENV.rescoreId set, the same image (and role: the only one that reads labels) runs an
 * organiser's rescore request instead; its outcome is recorded on the request.
 */
const rescoreId = process.env[JOB_ENV.rescoreId];
if (rescoreId) {
  await runJob('rescore', { rescoreId }, async (ctx) => {
    const { outcome, request } = await runRescoreJob(ctx, rescoreId);
    return { outcome, status: request.status, counts: request.counts, scorerVersion: request.scorerVersion };
  });
} else {
  await runJobEntrypoint('scoring', runScoringJob);
}
