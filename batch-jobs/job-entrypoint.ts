import { createLogger } from '#shared/logger.ts';
import { JOB_ENV } from '#shared/pipeline/queue-jobs.ts';
import { stopAllSandboxes } from '#shared/sandbox/run-sandboxed.ts';
import { SANDBOX_UNAVAILABLE_EXIT_CODE, SandboxUnavailableError } from '#shared/sandbox/sandbox-unavailable.ts';

/** Set by the local job runner: the job's stdin is a pipe from the runner, closed when the runner dies. */
export const JOB_LIFELINE_ENV = 'PODIUM_JOB_LIFELINE';

/** Both job images log with it; each line names the job (inference, scoring, rescore) once it is known. */
const jobLog = createLogger('job');

/**
 * Under the local runner, a closed stdin means the runner (the whole local stack) is gone: the job
 * kills its sandboxes and its own process group rather than run on beside the attempt that replaces
 * it. On AWS Batch the variable is not set and the container's end is the job's end.
 */
function dieWithRunner(): void {
  if (process.env[JOB_LIFELINE_ENV] !== 'stdin') return;
  const die = () => {
    stopAllSandboxes();
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      // Not a group leader (started by hand): this process alone.
    }
    process.exit(1);
  };
  process.stdin.on('data', () => {});
  process.stdin.once('end', die);
  process.stdin.once('error', die);
}

/**
 * The process contract both job images share (AWS Batch container, or a child process of the
 * local runner): what the job works on comes from the environment the job definition and
 * SubmitJob set. Exit 0: done, including a competitor failure (recorded on the submission, or
 * reported in the run outcome) or a refused rescore. Exit 1: a platform fault, which the
 * job-state handler retries (a submission, without charging quota) or records (a rescore
 * request). Exit 2: misconfigured job. Exit 3 (SANDBOX_UNAVAILABLE_EXIT_CODE): a platform fault
 * whose cause is that no sandbox can start on this host; the job-state handler names what to
 * install in the PLATFORM_ERROR failure.
 */
export async function runJob(
  job: 'inference' | 'scoring' | 'rescore' | 'compare' | 'training',
  subject: Record<string, string | number>,
  work: () => Promise<unknown>,
): Promise<never> {
  dieWithRunner();
  jobLog.appendKeys({ job, ...subject });
  try {
    const result = await work();
    jobLog.info(`${job} job finished`, { result: result as Record<string, unknown> });
    process.exit(0);
  } catch (error) {
    jobLog.error(`${job} job failed (platform)`, { error: error as Error });
    process.exit(error instanceof SandboxUnavailableError ? SANDBOX_UNAVAILABLE_EXIT_CODE : 1);
  }
}

/** The submission and attempt a pipeline job works on, from JOB_ENV; exits 2 when they are missing. */
export function jobSubjectFromEnv(env: NodeJS.ProcessEnv = process.env): { submissionId: string; attempt: number } {
  const submissionId = env[JOB_ENV.submissionId];
  const attempt = Number(env[JOB_ENV.attempt]);
  if (!submissionId || !Number.isInteger(attempt)) {
    jobLog.error('job misconfigured', { error: `${JOB_ENV.submissionId} and ${JOB_ENV.attempt} must be set` });
    process.exit(2);
  }
  return { submissionId, attempt };
}

/** Fails the job as misconfigured (exit 2) when its configuration cannot be read, naming what is wrong. */
export function configuredOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    jobLog.error('job misconfigured', { error: (error as Error).message });
    process.exit(2);
  }
}

/** A variable the job definition must declare; throws naming it (inside `configuredOrExit`: exit 2). */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: the job definition must declare it`);
  return value;
}
