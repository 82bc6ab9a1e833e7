import { contextFromEnv, type PodiumContext } from '#shared/context.ts';
import { JOB_ENV } from '#shared/pipeline/queue-jobs.ts';

/**
 * The process contract both job images share (AWS Batch container, or a child process of the
 * local runner): the submission and attempt come from the environment the job definition sets.
 * Exit 0: done, including a competitor failure recorded on the submission. Exit 1: a platform
 * fault, which the job-state handler retries without charging quota. Exit 2: misconfigured job.
 */
export async function runJobEntrypoint(
  job: 'inference' | 'scoring',
  work: (ctx: PodiumContext, submissionId: string, attempt: number) => Promise<unknown>,
): Promise<never> {
  const submissionId = process.env[JOB_ENV.submissionId];
  const attempt = Number(process.env[JOB_ENV.attempt]);
  if (!submissionId || !Number.isInteger(attempt)) {
    console.error(`${JOB_ENV.submissionId} and ${JOB_ENV.attempt} must be set`);
    process.exit(2);
  }
  try {
    const result = await work(contextFromEnv(), submissionId, attempt);
    console.log(JSON.stringify({ level: 'info', message: `${job} job finished`, submissionId, attempt, result }));
    process.exit(0);
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', message: `${job} job failed (platform)`, submissionId, attempt, error: String(error), stack: (error as Error).stack }));
    process.exit(1);
  }
}
