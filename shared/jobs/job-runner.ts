/**
 * The one seam between the pipeline and where jobs run: AWS Batch on AWS, the local job runner on
 * one machine. Both take the same job specs and report the same job-state events, so the upload
 * handler, the job-state handler and the reconciler are the same code in both places.
 */
export type PipelineJobKind = 'inference' | 'scoring';
/** `rescore` re-scores stored predictions for an organiser: no submission moves, so its events never touch one. */
export type JobKind = PipelineJobKind | 'rescore';

/** The image, job definition and role each kind runs with: rescoring needs the scoring role's labels. */
export const JOB_IMAGE: Record<JobKind, PipelineJobKind> = { inference: 'inference', scoring: 'scoring', rescore: 'scoring' };

/** AWS Batch's job states; the local runner reports the same. */
export type JobState = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

interface JobSpecBase {
  /** Batch job name: `<kind>-<submissionId or rescoreId>-<attempt>` (`jobName`). */
  name: string;
  challengeId: string;
  phaseId: string;
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

/** What a job works on: a submission's attempt, or an organiser's rescore request. */
export type JobSubject = { kind: PipelineJobKind; submissionId: string } | { kind: 'rescore'; rescoreId: string };

export type JobSpec = JobSpecBase & JobSubject;
export type PipelineJobSpec = JobSpecBase & Extract<JobSubject, { kind: PipelineJobKind }>;

interface JobStateEventBase {
  jobId: string;
  jobName: string;
  attempt: number;
  status: JobState;
  /** Batch's statusReason, or the local runner's equivalent ("Job attempt duration exceeded timeout"). */
  statusReason?: string;
  exitCode?: number;
  /** Set when the container was killed for memory (Batch: "OutOfMemoryError: Container killed due to memory usage"). */
  containerReason?: string;
  at: string;
}

export type JobStateEvent = JobStateEventBase & JobSubject;
export type PipelineJobStateEvent = JobStateEventBase & Extract<JobSubject, { kind: PipelineJobKind }>;
export type RescoreJobStateEvent = JobStateEventBase & Extract<JobSubject, { kind: 'rescore' }>;

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

/** `id` is the submission's for pipeline jobs, the rescore request's for `rescore`. */
export const jobName = (kind: JobKind, id: string, attempt: number) => `${kind}-${id}-${attempt}`;
