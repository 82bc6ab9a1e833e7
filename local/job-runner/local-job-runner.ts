import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import {
  JOB_DEFINITION,
  JOB_IMAGE,
  jobSubjectOf,
  type JobDefinitionKind,
  type JobDescription,
  type JobKind,
  type JobRunner,
  type JobSpec,
  type JobState,
  type JobStateEvent,
} from '#shared/jobs/job-runner.ts';
import { BATCH_REASONS } from '#shared/pipeline/on-job-state-change.ts';
import { storageConfigToEnv, type StorageConfig } from '#shared/storage/storage-config.ts';
import { JOB_LIFELINE_ENV } from '../../batch-jobs/job-entrypoint.ts';
import { FairShareQueue } from './fair-share-queue.ts';
import { JobProcessRecord } from './job-process-record.ts';
import type { JobLauncher, LaunchedJob } from './job-launcher.ts';

export interface LocalJobRunnerOptions {
  /** Storage the jobs use: passed as the env a Batch job definition would set. */
  config: StorageConfig;
  /** Receives every state change, in order, like EventBridge delivers Batch's to the job-state handler. */
  onEvent: (event: JobStateEvent) => Promise<unknown>;
  /** Jobs of each job definition running at once (default: one inference, two scoring, one training; rescore jobs run as scoring). */
  concurrency?: Partial<Record<JobDefinitionKind, number>>;
  /** Entrypoints per kind (default: the image's `batch-jobs/<image>/main.ts`, so `rescore` runs the scoring entrypoint). */
  entrypoints?: Partial<Record<JobKind, string>>;
  /** Parent of the inference jobs' work folders, as the instance volume is on AWS (default: the OS temp dir). */
  workRoot?: string;
  /**
   * The job's environment as its synthesized job definition declares it (declared-job-environment.ts).
   * Without it (unit tests of the runner) a job gets every storage name of `config`.
   */
  environmentOf?: (spec: JobSpec) => Record<string, string>;
  /** The arguments its job definition's `command` gives the entrypoint (`["training"]` for a training job); default none. */
  commandOf?: (spec: JobSpec) => string[];
  /** TerminateJob's grace between SIGTERM and SIGKILL (ECS's stop timeout, default 30 s). */
  terminateGraceMs?: number;
  /** Variables passed through from this process (sandbox flags, work dir, log level). */
  passEnv?: string[];
  /**
   * File recording each running job's process group (under the local data folder): at start the
   * runner kills the groups a previous, crashed runner left running.
   */
  processRecordFile?: string;
  /** Starts each job some other way than a child process (the container runtime: container-launcher.ts). */
  launch?: JobLauncher;
  /**
   * Evaluates each child-process job's AWS calls as its job role (local/iam): the environment naming
   * the role, resolved when the job is submitted, and the module the process imports to apply it.
   */
  permissions?: JobPermissions;
  log?: (line: string) => void;
}

/** How a job process learns its role: see local/iam/local-iam.ts. */
export interface JobPermissions {
  preload: string;
  environmentFor(spec: JobSpec): Promise<Record<string, string>>;
}

interface LocalJob {
  id: string;
  spec: JobSpec;
  /** The role the job's calls are evaluated as (`permissions`). */
  principalEnvironment?: Record<string, string>;
  status: JobState;
  statusReason?: string;
  exitCode?: number;
  child?: ChildProcess | LaunchedJob;
  timer?: NodeJS.Timeout;
  /** Epoch ms of the process's start and end, as Batch reports startedAt and stoppedAt. */
  startedAt?: number;
  stoppedAt?: number;
  /** Between TerminateJob's SIGTERM and its SIGKILL. */
  grace?: NodeJS.Timeout;
}

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const DEFAULT_PASS_ENV = [
  'PATH',
  'HOME',
  'TMPDIR',
  'PODIUM_SANDBOX',
  'PODIUM_UNSAFE_NO_SANDBOX',
  'PODIUM_WORK_DIR',
  'PODIUM_LOG_LEVEL',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
];

/**
 * AWS Batch's semantics on one machine: a queue per job kind with a concurrency limit, fair share
 * across teams (round-robin over share identifiers), `dependsOn` (a failed dependency fails the
 * dependant), timeouts that kill the job's process tree, and cancel. Each job runs the same
 * `batch-jobs/<image>/main.ts` as on AWS, as a child process with the env Batch would give it.
 * A rescore job runs in the scoring image and waits in the scoring queue, as on AWS it uses the
 * scoring job definition.
 */
export class LocalJobRunner implements JobRunner {
  private readonly jobs = new Map<string, LocalJob>();
  private readonly queues: Record<JobDefinitionKind, FairShareQueue<LocalJob>> = {
    inference: new FairShareQueue(),
    scoring: new FairShareQueue(),
    training: new FairShareQueue(),
  };
  private readonly running: Record<JobDefinitionKind, number> = { inference: 0, scoring: 0, training: 0 };
  private readonly concurrency: Record<JobDefinitionKind, number>;
  private delivery: Promise<unknown> = Promise.resolve();
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly processRecord: JobProcessRecord | undefined;

  constructor(private readonly options: LocalJobRunnerOptions) {
    this.concurrency = {
      inference: options.concurrency?.inference ?? 1,
      scoring: options.concurrency?.scoring ?? 2,
      training: options.concurrency?.training ?? 1,
    };
    this.processRecord = options.processRecordFile ? new JobProcessRecord(options.processRecordFile) : undefined;
    this.processRecord?.killLeftovers(options.log);
  }

  async submit(spec: JobSpec): Promise<{ jobId: string }> {
    if (this.closed) throw new Error('the local job runner is closed');
    const principalEnvironment = await this.options.permissions?.environmentFor(spec);
    const job: LocalJob = { id: randomUUID(), spec, status: 'SUBMITTED', ...(principalEnvironment ? { principalEnvironment } : {}) };
    this.jobs.set(job.id, job);
    this.setStatus(job, spec.dependsOn?.length ? 'PENDING' : 'RUNNABLE');
    if (job.status === 'RUNNABLE') this.queues[JOB_DEFINITION[spec.kind]].push(spec.shareIdentifier, job);
    this.resolveDependencies();
    queueMicrotask(() => this.schedule());
    return { jobId: job.id };
  }

  async cancel(jobId: string, reason: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job || job.status === 'SUCCEEDED' || job.status === 'FAILED') return;
    if (job.child) {
      // As TerminateJob: SIGTERM to the job's own process (a training job keeps its outputs), SIGKILL to all of it after the grace.
      job.statusReason = `Terminated: ${reason}`;
      terminate(job.child);
      const child = job.child;
      job.grace = setTimeout(() => killTree(child), this.options.terminateGraceMs ?? 30_000);
      return;
    }
    this.queues[JOB_DEFINITION[job.spec.kind]].remove(job);
    this.finish(job, 'FAILED', `Cancelled: ${reason}`);
  }

  async describe(jobIds: string[]): Promise<JobDescription[]> {
    return jobIds.flatMap((id) => {
      const job = this.jobs.get(id);
      if (!job) return [];
      return [
        {
          jobId: id,
          status: job.status,
          ...(job.statusReason ? { statusReason: job.statusReason } : {}),
          ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}),
        },
      ];
    });
  }

  /** The specs of the jobs running now. */
  runningJobs(): JobSpec[] {
    return [...this.jobs.values()].filter((job) => job.status === 'RUNNING').map((job) => job.spec);
  }

  /** Resolves once no job is waiting or running and every event has been delivered. */
  async idle(): Promise<void> {
    while (this.busy()) await new Promise<void>((done) => this.idleWaiters.push(done));
    await this.delivery;
    if (this.busy()) return this.idle();
  }

  /** Kills running jobs and stops scheduling; their submissions are left for the reconciler, as after a crash. */
  async close(): Promise<void> {
    this.closed = true;
    const exits: Promise<void>[] = [];
    for (const job of this.jobs.values()) {
      if (job.child && job.child.exitCode === null) {
        exits.push(new Promise((done) => job.child!.once('close', () => done())));
        killTree(job.child);
      }
    }
    await Promise.all(exits);
    await this.delivery;
  }

  private busy(): boolean {
    return [...this.jobs.values()].some((job) => !['SUCCEEDED', 'FAILED'].includes(job.status));
  }

  private setStatus(job: LocalJob, status: JobState, statusReason?: string, exitCode?: number): void {
    job.status = status;
    if (statusReason) job.statusReason = statusReason;
    if (exitCode !== undefined) job.exitCode = exitCode;
    const { spec } = job;
    const event: JobStateEvent = {
      jobId: job.id,
      jobName: spec.name,
      ...jobSubjectOf(spec),
      attempt: spec.attempt,
      status,
      ...(job.statusReason ? { statusReason: job.statusReason } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
      ...(job.stoppedAt !== undefined ? { stoppedAt: job.stoppedAt } : {}),
      at: new Date().toISOString(),
    };
    if (this.closed && status !== 'FAILED' && status !== 'SUCCEEDED') return;
    this.delivery = this.delivery.then(() =>
      this.options.onEvent(event).catch((error: unknown) => this.options.log?.(`job-state handler failed on ${job.spec.name} ${status}: ${String(error)}`)),
    );
  }

  private finish(job: LocalJob, status: 'SUCCEEDED' | 'FAILED', statusReason?: string, exitCode?: number): void {
    clearTimeout(job.timer);
    if (this.closed) {
      // A stopping stack records nothing: on AWS the jobs would keep running; here the reconciler re-queues them.
      job.status = status;
      return;
    }
    this.setStatus(job, status, statusReason, exitCode);
    this.resolveDependencies();
    this.schedule();
    if (!this.busy()) this.delivery.then(() => this.idleWaiters.splice(0).forEach((done) => done()));
  }

  /** PENDING jobs become RUNNABLE when all dependencies succeeded, and fail when one failed. */
  private resolveDependencies(): void {
    for (const job of this.jobs.values()) {
      if (job.status !== 'PENDING') continue;
      const deps = (job.spec.dependsOn ?? []).map((id) => this.jobs.get(id));
      if (deps.some((dep) => !dep || dep.status === 'FAILED')) {
        this.finish(job, 'FAILED', BATCH_REASONS.dependencyFailed);
      } else if (deps.every((dep) => dep!.status === 'SUCCEEDED')) {
        this.setStatus(job, 'RUNNABLE');
        this.queues[JOB_DEFINITION[job.spec.kind]].push(job.spec.shareIdentifier, job);
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    for (const kind of ['inference', 'scoring', 'training'] as const) {
      while (this.running[kind] < this.concurrency[kind]) {
        const job = this.queues[kind].next();
        if (!job) break;
        this.start(job);
      }
    }
  }

  private start(job: LocalJob): void {
    const image = JOB_IMAGE[job.spec.kind];
    const definition = JOB_DEFINITION[job.spec.kind];
    const entrypoint = this.options.entrypoints?.[job.spec.kind] ?? this.options.entrypoints?.[image] ?? resolve(REPO_ROOT, `batch-jobs/${image}/main.ts`);
    if (!existsSync(entrypoint)) {
      this.finish(job, 'FAILED', `CannotStartContainerError: no entrypoint at ${entrypoint}`);
      return;
    }
    const passed = Object.fromEntries(
      (this.options.passEnv ?? DEFAULT_PASS_ENV).flatMap((name) => (process.env[name] !== undefined ? [[name, process.env[name]!]] : [])),
    );
    let environment: Record<string, string>;
    try {
      environment = this.options.environmentOf
        ? { ...this.options.environmentOf(job.spec), ...localSettingsOf(passed) }
        : { PODIUM_WORK_DIR: this.options.workRoot ?? tmpdir(), ...passed, ...storageConfigToEnv(this.options.config), ...job.spec.environment };
    } catch (error) {
      this.finish(job, 'FAILED', `ClientException: ${(error as Error).message}`);
      return;
    }
    this.running[definition]++;
    this.setStatus(job, 'STARTING');
    // A TypeScript entrypoint runs through tsx; a bundled one (`.mjs`, as in the job images) runs as is.
    const preload = job.principalEnvironment && this.options.permissions ? ['--import', 'tsx', '--import', this.options.permissions.preload] : [];
    const command = this.options.commandOf?.(job.spec) ?? [];
    const nodeArgs = [...(preload.length ? [...preload, entrypoint] : /\.m?js$/.test(entrypoint) ? [entrypoint] : ['--import', 'tsx', entrypoint]), ...command];
    // Its own process group (killed whole on timeout and cancel), and a stdin pipe from this process
    // that closes when the runner dies, upon which the job kills itself and its sandbox (job-entrypoint.ts).
    const child = this.options.launch
      ? this.options.launch({ jobId: job.id, spec: job.spec, config: this.options.config })
      : spawn(process.execPath, nodeArgs, {
          cwd: REPO_ROOT,
          env: { ...environment, ...job.principalEnvironment, AWS_BATCH_JOB_ID: job.id, [JOB_LIFELINE_ENV]: 'stdin' },
          stdio: ['pipe', 'pipe', 'pipe'],
          detached: true,
        });
    job.child = child;
    if (child instanceof ChildProcess) {
      // Containers are podman's to reap (labelled podium.local-job); child processes are recorded here.
      if (child.pid) this.processRecord?.add(job.id, child.pid);
      child.stdin.on('error', () => {}); // the job closing its end is not the runner's failure
    }
    let stderrTail = '';
    child.stdout!.on('data', (chunk: Buffer) => this.options.log?.(`[${job.spec.name}] ${chunk.toString().trimEnd()}`));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-4096);
    });
    job.startedAt = Date.now();
    this.setStatus(job, 'RUNNING');
    job.timer = setTimeout(() => {
      job.statusReason = BATCH_REASONS.timeout;
      killTree(child);
    }, job.spec.timeoutSeconds * 1000);
    child.once('close', (code, signal) => {
      this.running[definition]--;
      job.stoppedAt = Date.now();
      job.child = undefined;
      if (job.grace) {
        // What a terminated job's own process left behind goes with it, now rather than at the end of the grace.
        clearTimeout(job.grace);
        if (child instanceof ChildProcess) killTree(child);
      }
      this.processRecord?.remove(job.id);
      if (code === 0 && !job.statusReason) return this.finish(job, 'SUCCEEDED', 'Essential container in task exited', 0);
      if (code !== 0 && stderrTail) this.options.log?.(`[${job.spec.name}] exited ${code ?? signal}: ${stderrTail.trim().split('\n').at(-1)}`);
      this.finish(job, 'FAILED', job.statusReason ?? 'Essential container in task exited', code ?? 137);
    });
  }
}

/**
 * What this machine, not the job definition, decides: where the interpreter and the sandbox are
 * (PATH, HOME, the sandbox flags), the log level and the SDK's Node warning. Never a storage name
 * or a work folder: those come from the definition.
 */
function localSettingsOf(passed: Record<string, string>): Record<string, string> {
  const { PODIUM_WORK_DIR: _workDir, ...settings } = passed;
  return settings;
}

/** TerminateJob's first step: SIGTERM to the job's own process (a container's init), which may still clean up. */
function terminate(child: ChildProcess | LaunchedJob): void {
  if (!(child instanceof ChildProcess)) return child.terminate ? child.terminate() : child.kill();
  try {
    process.kill(child.pid!, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

function killTree(child: ChildProcess | LaunchedJob): void {
  if (!(child instanceof ChildProcess)) return child.kill();
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
