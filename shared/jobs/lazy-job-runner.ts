import type { JobRunner } from './job-runner.ts';

/**
 * A JobRunner whose implementation is loaded on first use, for a caller that rarely needs one:
 * the API only cancels jobs and submits rescores, so its Lambda keeps the Batch client out of the code it loads at init.
 * A failed load is retried on the next call.
 *
 * @example const runner = lazyJobRunner(async () => new (await import('./batch-job-runner.ts')).BatchJobRunner());
 */
export function lazyJobRunner(load: () => Promise<JobRunner>): JobRunner {
  let loading: Promise<JobRunner> | undefined;
  const runner = () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
  return {
    submit: async (spec) => (await runner()).submit(spec),
    cancel: async (jobId, reason) => (await runner()).cancel(jobId, reason),
    describe: async (jobIds) => (await runner()).describe(jobIds),
  };
}
