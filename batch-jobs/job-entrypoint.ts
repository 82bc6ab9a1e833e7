import { JOB_ENV } from '#shared/pipeline/queue-jobs.ts';

/**
 * The process contract both job images share (AWS Batch container, or a child process of the
 * local runner): what the job works on comes from the environment the job definition and
 * SubmitJob set. Exit 0: done, including a competitor failure (recorded on the submission, or
 * reported in the run outcome) or a refused rescore. Exit 1: a platform fault, which the
 * job-state handler retries (a submission, without charging quota) or records (a rescore
 * request). Exit 2: misconfigured job.
 */
export async function runJob(job: 'inference' | 'scoring' | 'rescore', subject: Record<string, string | number>, work: () => Promise<unknown>): Promise<never> {
  try {
    const result = await work();
    console.log(JSON.stringify({ level: 'info', message: `${job} job finished`, ...subject, result }));
    process.exit(0);
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', message: `${job} job failed (platform)`, ...subject, error: String(error), stack: (error as Error).stack }));
    process.exit(1);
  }
}

/** The submission and attempt a pipeline job works on, from JOB_ENV; exits 2 when they are missing. */
export function jobSubjectFromEnv(env: NodeJS.ProcessEnv = process.env): { submissionId: string; attempt: number } {
  const submissionId = env[JOB_ENV.submissionId];
  const attempt = Number(env[JOB_ENV.attempt]);
  if (!submissionId || !Number.isInteger(attempt)) {
    console.error(`${JOB_ENV.submissionId} and ${JOB_ENV.attempt} must be set`);
    process.exit(2);
  }
  return { submissionId, attempt };
}

/** Fails the job as misconfigured (exit 2) when its configuration cannot be read, naming what is wrong. */
export function configuredOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', message: 'job misconfigured', error: String((error as Error).message) }));
    process.exit(2);
  }
}
