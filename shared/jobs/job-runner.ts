/**
 * The one seam between the pipeline and where jobs run: AWS Batch on AWS, the local job runner on
 * one machine. Both take the same job specs and report the same job-state events, so the upload
 * handler, the job-state handler and the reconciler are the same code in both places.
 */
export type PipelineJobKind = 'inference' | 'scoring';
/**
 * `rescore` re-scores stored predictions for an organiser: no submission moves, so its events never
 * touch one. `rerun` runs a ranked team's archive again (the inference image, the same sandbox) and
 * `compare` scores the reruns and compares them with the originals (the scoring image): an
 * organiser's rerun request (shared/reruns/), whose events never touch a submission either.
 */
export type JobKind = PipelineJobKind | 'rescore' | RerunJobKind | 'training';
export type RerunJobKind = 'rerun' | 'compare';

/** The image each kind runs: rescoring and comparing need the scoring role's labels; training runs in the phase's inference image. */
export const JOB_IMAGE: Record<JobKind, PipelineJobKind> = {
  inference: 'inference',
  scoring: 'scoring',
  rescore: 'scoring',
  rerun: 'inference',
  compare: 'scoring',
  training: 'inference',
};

/** A phase's job definitions, each with its own role (and, for training, its own queue). */
export type JobDefinitionKind = PipelineJobKind | 'training';

/**
 * The job definition each kind is submitted with: its image's, except training, whose definition
 * (`command: ["training"]`, the training role) and queue are its own (infra/constructs/training-job.ts).
 */
export const JOB_DEFINITION: Record<JobKind, JobDefinitionKind> = { ...JOB_IMAGE, training: 'training' };

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

/** What a job works on: a submission's attempt, an organiser's rescore request, a rerun request, or a team's training job. */
export type JobSubject =
  | { kind: PipelineJobKind; submissionId: string }
  | { kind: 'rescore'; rescoreId: string }
  | { kind: RerunJobKind; rerunId: string }
  | { kind: 'training'; trainingJobId: string };

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
  /** Batch's own start and stop of the container (epoch ms), once it ran: what a job that left no result is charged. */
  startedAt?: number;
  stoppedAt?: number;
  at: string;
}

export type JobStateEvent = JobStateEventBase & JobSubject;
export type PipelineJobStateEvent = JobStateEventBase & Extract<JobSubject, { kind: PipelineJobKind }>;
export type RescoreJobStateEvent = JobStateEventBase & Extract<JobSubject, { kind: 'rescore' }>;
export type RerunJobStateEvent = JobStateEventBase & Extract<JobSubject, { kind: RerunJobKind }>;
export type TrainingRunJobStateEvent = JobStateEventBase & Extract<JobSubject, { kind: 'training' }>;

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

/**
 * `id` is the submission's for pipeline jobs, the rescore request's for `rescore`, the rerun
 * request's for `rerun` and `compare`, the training job's for `training` (always attempt 1).
 */
export const jobName = (kind: JobKind, id: string, attempt: number) => `${kind}-${id}-${attempt}`;

/** The subject of a spec, alone (its event carries it). */
export function jobSubjectOf(spec: JobSpec): JobSubject {
  if (spec.kind === 'rescore') return { kind: spec.kind, rescoreId: spec.rescoreId };
  if (spec.kind === 'training') return { kind: spec.kind, trainingJobId: spec.trainingJobId };
  if ('rerunId' in spec) return { kind: spec.kind, rerunId: spec.rerunId };
  return { kind: spec.kind, submissionId: spec.submissionId };
}
