import { contextFromEnv } from '#shared/context.ts';
import { JOB_ENV } from '#shared/pipeline/queue-jobs.ts';
import { runInferenceJob } from '#shared/pipeline/run-inference-job.ts';

/**
 * Entrypoint of the inference job (AWS Batch container, or a child process of the local runner).
 * Exit 0: done, including a competitor failure recorded on the submission. Exit 1: a platform
 * fault; the job-state handler retries it without charging quota.
 */
const submissionId = process.env[JOB_ENV.submissionId];
const attempt = Number(process.env[JOB_ENV.attempt]);
if (!submissionId || !Number.isInteger(attempt)) {
  console.error(`${JOB_ENV.submissionId} and ${JOB_ENV.attempt} must be set`);
  process.exit(2);
}
try {
  const result = await runInferenceJob(contextFromEnv(), submissionId, attempt, {
    ...(process.env.PODIUM_WORK_DIR ? { workRoot: process.env.PODIUM_WORK_DIR } : {}),
  });
  console.log(JSON.stringify({ level: 'info', message: 'inference job finished', submissionId, attempt, result }));
  process.exit(0);
} catch (error) {
  console.error(JSON.stringify({ level: 'error', message: 'inference job failed (platform)', submissionId, attempt, error: String(error), stack: (error as Error).stack }));
  process.exit(1);
}
