import { contextFromEnv, type PodiumContext } from '#shared/context.ts';
import { JOB_ENV } from '#shared/pipeline/queue-jobs.ts';

/**
 * The process contract both job images share (AWS Batch container, or a child process of the
 * local runner): what the job works on comes from the environment the job definition sets.
 * Exit 0: done, including a competitor failure recorded on the submission (or a refused rescore
 * recorded on its request). Exit 1: a platform fault, which the job-state handler retries (a
 * submission, without charging quota) or records (a rescore request). Exit 2: misconfigured job.
 */
export async function runJob(job: 'inference' | 'scoring' | 'rescore', subject: Record<string, string | number>, work: (ctx: PodiumContext) => Promise<unknown>): Promise<never> {
  try {
    const result = await work(contextFromEnv());
    console.log(JSON.stringify({ level: 'info', message: `${job} job finished`, ...subject, result }));
    process.exit(0);
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', message: `${job} job failed (platform)`, ...subject, error: String(error), stack: (error as Error).stack }));
    process.exit(1);
  }
}

/** A pipeline job: the submission and attempt come from JOB_ENV. */
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
  return runJob(job, { submissionId, attempt }, (ctx) => work(ctx, submissionId, attempt));
}
