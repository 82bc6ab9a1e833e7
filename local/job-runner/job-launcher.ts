import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { JobSpec } from '#shared/jobs/job-runner.ts';
import type { StorageConfig } from '#shared/storage/storage-config.ts';
import type { PrincipalPermissions } from '../iam/permission-middleware.ts';

/** One job the local runner asked to run: the platform's job id, its spec and the stack's storage. */
export interface LaunchRequest {
  jobId: string;
  spec: JobSpec;
  config: StorageConfig;
  /** The job role its storage calls are evaluated as (local/iam); absent with PODIUM_IAM_PARITY=off. */
  permissions?: PrincipalPermissions;
  /**
   * Files the platform hands the job, as the local stand-ins for what it reaches on AWS (the
   * receipt key, standing in for KMS): each is given to the container read-only, readable by its
   * user only, and named by the environment variable `env`.
   */
  platformFiles?: { hostPath: string; env: string }[];
}

/**
 * A running job as the local runner watches it: the parts of a ChildProcess it uses. Emits
 * `close` (exit code, signal) once, after its output streams end.
 */
export interface LaunchedJob extends EventEmitter {
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** null while running. */
  readonly exitCode: number | null;
  /** Stops the job at once (SIGKILL), as a Batch timeout does, and TerminateJob after its grace. */
  kill(): void;
  /** TerminateJob's first step: SIGTERM to the job's init, which passes it on (without it, `kill`). */
  terminate?(): void;
}

/** How the local runner starts a job: a child process by default, a container with the container runtime. */
export type JobLauncher = (request: LaunchRequest) => LaunchedJob;
