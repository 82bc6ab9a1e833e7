import { contextFromEnv } from '#shared/context.ts';
import { JOB_ENV } from '#shared/pipeline/queue-jobs.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';

/**
 * Entrypoint of the scoring job (AWS Batch container, or a child process of the local runner).
 * Exit 0: done, including invalid predictions recorded on the submission as PREDICTIONS_INVALID.
 * Exit 1: a platform fault (labels or predictions missing, S3 or DynamoDB errors); the job-state
 * handler retries it without charging quota.
 */
const submissionId = process.env[JOB_ENV.submissionId];
const attempt = Number(process.env[JOB_ENV.attempt]);
if (!submissionId || !Number.isInteger(attempt)) {
  console.error(`${JOB_ENV.submissionId} and ${JOB_ENV.attempt} must be set`);
  process.exit(2);
}
try {
  const result = await runScoringJob(contextFromEnv(), submissionId, attempt);
  // Scores are logged; hidden labels never are.
  console.log(JSON.stringify({ level: 'info', message: 'scoring job finished', submissionId, attempt, result }));
  process.exit(0);
} catch (error) {
  console.error(JSON.stringify({ level: 'error', message: 'scoring job failed (platform)', submissionId, attempt, error: String(error), stack: (error as Error).stack }));
  process.exit(1);
}
