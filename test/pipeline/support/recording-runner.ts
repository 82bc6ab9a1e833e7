import type { JobRunner, JobSpec } from '#shared/jobs/job-runner.ts';

/** A JobRunner that only records what it is asked to run: for handler tests where no job may start, or none needs to. */
export class RecordingRunner implements JobRunner {
  readonly submitted: JobSpec[] = [];
  async submit(spec: JobSpec) {
    this.submitted.push(spec);
    return { jobId: `job-${this.submitted.length}` };
  }
  async cancel() {}
  async describe() {
    return [];
  }
}
