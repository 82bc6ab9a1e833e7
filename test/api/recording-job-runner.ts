import type { JobDescription, JobRunner, JobSpec } from '#shared/jobs/job-runner.ts';

/** A JobRunner that records what the API asked of it; no jobs run. */
export function createRecordingJobRunner() {
  const submitted: JobSpec[] = [];
  const cancelled: { jobId: string; reason: string }[] = [];
  const runner: JobRunner = {
    async submit(spec) {
      submitted.push(spec);
      return { jobId: `job-${submitted.length}` };
    },
    async cancel(jobId, reason) {
      cancelled.push({ jobId, reason });
    },
    async describe(): Promise<JobDescription[]> {
      return [];
    },
  };
  return { runner, submitted, cancelled };
}
