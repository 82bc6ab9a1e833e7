/**
 * The one seam between the pipeline and where jobs run: AWS Batch on AWS, the local job runner on
 * one machine. Both take the same job specs and report the same job-state events, so the upload
 * handler, the job-state handler and the reconciler are the same code in both places.
 */
export type JobKind = 'inference' | 'scoring';

/** AWS Batch's job states; the local runner reports the same. */
export type JobState = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface JobSpec {
  kind: JobKind;
  /** Batch job name: `<kind>-<submissionId>-<attempt>`. */
  name: string;
  challengeId: string;
  phaseId: string;
  submissionId: string;
  attempt: number;
  /** Fair-share identifier: one team's backlog never blocks the others. */
  shareIdentifier: string;
  /** Jobs that must succeed first (scoring depends on inference). */
  dependsOn?: string[];
  timeoutSeconds: number;
  memoryMiB: number;
  gpus: number;
  /** Passed to the job's entrypoint; never secrets, never label locations for inference. */
  environment: Record<string, string>;
}

export interface JobStateEvent {
  jobId: string;
  jobName: string;
  kind: JobKind;
  submissionId: string;
  attempt: number;
  status: JobState;
  /** Batch's statusReason, or the local runner's equivalent ("Job attempt duration exceeded timeout"). */
  statusReason?: string;
  exitCode?: number;
  /** Set when the container was killed for memory (Batch: "OutOfMemoryError: Container killed due to memory usage"). */
  containerReason?: string;
  at: string;
}

export interface JobDescription {
  jobId: string;
  status: JobState;
  statusReason?: string;
  exitCode?: number;
  containerReason?: string;
}

export interface JobRunner {
  submit(spec: JobSpec): Promise<{ jobId: string }>;
  cancel(jobId: string, reason: string): Promise<void>;
  /** The runner's truth about jobs, for the reconciler; unknown ids are omitted. */
  describe(jobIds: string[]): Promise<JobDescription[]>;
}

export const jobName = (kind: JobKind, submissionId: string, attempt: number) => `${kind}-${submissionId}-${attempt}`;
