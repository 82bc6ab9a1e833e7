import { contextFromEnv } from '#shared/context.ts';
import { runRescoreJob } from '#shared/leaderboard/run-rescore-job.ts';
import { notificationChannelFromEnv } from '#shared/notifications/notification-env.ts';
import { JOB_ENV } from '#shared/pipeline/queue-jobs.ts';
import { RUNTIME_IMAGE_ENV } from '#shared/receipts/issue-receipt.ts';
import { receiptSignerFromEnv } from '#shared/receipts/kms-receipt-key.ts';
import { runCompareJob } from '#shared/reruns/run-compare-job.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { configuredOrExit, jobSubjectFromEnv, requiredEnv, runJob } from '../job-entrypoint.ts';

/**
 * Entrypoint of the scoring job. It records the inference launcher's outcome (a competitor
 * failure, or predictions to score); invalid predictions are recorded as PREDICTIONS_INVALID
 * (exit 0); missing labels or predictions and S3 or DynamoDB errors are platform faults (exit 1).
 * Scores are logged; hidden labels never are. A scored submission's receipt is signed with the key
 * the job definition names (PODIUM_RECEIPT_KEY_ID); only this job's role may sign with it.
 *
 * With JOB_ENV.rescoreId set, the same image (and role: the only one that reads labels) runs an
 * organiser's rescore request instead; its outcome is recorded on the request. With JOB_ENV.rerunId
 * it compares an organiser's reruns with the original runs (shared/reruns/run-compare-job.ts).
 * A rescore queues its "rescore done" e-mails on the mail queue (PODIUM_MAIL_QUEUE_URL).
 */
const ctx = configuredOrExit(() => contextFromEnv(['tableName', 'hiddenBucket', 'datasetsBucket', 'predictionsBucket']));
const rescoreId = process.env[JOB_ENV.rescoreId];
const rerunId = process.env[JOB_ENV.rerunId];
// Scoring and rescoring sign receipts of the scores they record; comparing reruns records none.
const receipts = () => configuredOrExit(() => ({ signer: receiptSignerFromEnv(), runtimeImage: requiredEnv(RUNTIME_IMAGE_ENV) }));
if (rescoreId) {
  const issuer = receipts();
  // Teams whose score changed are told in the app and by e-mail, queued on the mail queue the job
  // definition binds; the mail sender signs the unsubscribe links, so the job holds no secret.
  const notifying = { ...ctx, notifications: notificationChannelFromEnv({ unsubscribeSecret: false }) };
  await runJob('rescore', { rescoreId }, async () => {
    const { outcome, request } = await runRescoreJob(notifying, rescoreId, issuer);
    return { outcome, status: request.status, counts: request.counts, scorerVersion: request.scorerVersion };
  });
} else if (rerunId) {
  await runJob('compare', { rerunId }, async () => {
    const request = await runCompareJob(ctx, rerunId);
    return { status: request.status, verdicts: request.results?.map((result) => `${result.teamId}: ${result.verdict}`) };
  });
} else {
  const { submissionId, attempt } = jobSubjectFromEnv();
  const issuer = receipts();
  await runJob('scoring', { submissionId, attempt }, () => runScoringJob(ctx, submissionId, attempt, issuer));
}
