import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { MOUNTED_INPUTS_ENV, mountedInputsSchema } from '#shared/pipeline/mounted-inputs.ts';
import { EMULATOR_CREDENTIALS, LOCAL_JOB_KEY_PREFIX } from '#shared/storage/clients.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import type { StorageConfig } from '#shared/storage/storage-config.ts';
import type { LocalCredentials } from '../iam/request-signature.ts';
import type { PrincipalPermissions } from '../iam/permission-middleware.ts';
import { createRoleProxy, type ProxiedService, type RoleDecision } from '../iam/role-proxy.ts';
import { InstanceMounts } from './instance-mounts.ts';
import { resolveCfnValue, type JobContainerContract } from './job-definition-contract.ts';
import type { JobLauncher, LaunchedJob, LaunchRequest } from './job-launcher.ts';
import { podmanCreateArgs } from './podman-args.ts';
import { hostHardLimits, podman, spawnPodman } from './podman.ts';
import { submitJobRequestOf } from './submit-job-request.ts';

export interface ContainerJobLauncherOptions {
  /** Job definitions of every phase that may run, by JobDefinitionName (from the synthesized templates). */
  contracts: Map<string, JobContainerContract>;
  /** The built image of each docker image asset, by asset hash. */
  images: Map<string, string>;
  /** Resolves a template's `Fn::ImportValue` to the local stack's name for it (local/parity/local-data-exports.ts). */
  importValues: (challengeId: string, config: StorageConfig) => (exportName: string) => string;
  log?: (line: string) => void;
  /** Each storage call a job made, once evaluated as its role (with PODIUM_IAM_PARITY on). */
  onDecision?: (jobId: string, decision: RoleDecision) => void;
  /** Where the instances' mounts and caches live (default: a folder of this launcher, gone at close). */
  instanceRoot?: string;
  /** s3fs tuning for the instance mounts (instance-mounts.ts). */
  s3fsTuning?: string[];
}

/** Label on every job container, so a restarted stack can find what a killed one left. */
export const JOB_CONTAINER_LABEL = 'podium.local-job';
const RELAY_SCRIPT = resolve(import.meta.dirname, 'netns-relay.mjs');
/** Podman's own exit status when it could not run the container. */
const CANNOT_START = 125;

/**
 * Runs each job as its image, under its job definition's container settings, with the SubmitJob
 * overrides BatchJobRunner would send. The container has no network; the storage endpoints are
 * relayed into its own loopback (same ports as on the host), so it reaches S3 and DynamoDB and
 * nothing else, as the isolated subnets with endpoints do on AWS. Given the job's role, the host
 * side of each relay is a proxy that evaluates every call as that role (local/iam/role-proxy.ts),
 * as AWS evaluates the credentials ECS gives the container.
 */
export class ContainerJobLauncher {
  private readonly socketDir = mkdtempSync(join(tmpdir(), 'podium-endpoints-'));
  private readonly hostRelays = new Map<number, net.Server>();
  private instanceMounts?: InstanceMounts;

  constructor(private readonly options: ContainerJobLauncherOptions) {}

  readonly launch: JobLauncher = (request) => {
    const job = new ContainerJob();
    void this.run(job, request).catch((error: unknown) => job.fail(`CannotStartContainerError: ${(error as Error).message}`));
    return job;
  };

  /** Stops relaying the storage endpoints (call after the job runner closed). */
  async close(): Promise<void> {
    await this.instanceMounts?.close();
    await Promise.all([...this.hostRelays.values()].map((server) => new Promise((done) => server.close(done))));
    this.hostRelays.clear();
    rmSync(this.socketDir, { recursive: true, force: true });
  }

  private async run(job: ContainerJob, request: LaunchRequest): Promise<void> {
    const { jobId, spec, config, permissions, platformFiles = [] } = request;
    const submitJob = await submitJobRequestOf(spec);
    const declared = this.options.contracts.get(submitJob.jobDefinition!);
    if (!declared) throw new Error(`no synthesized job definition named ${submitJob.jobDefinition}`);
    const contract = await this.withInstanceMounts(declared, request);
    const image = this.options.images.get(contract.imageAssetHash);
    if (!image) throw new Error(`no image built for ${contract.jobDefinitionName} (asset ${contract.imageAssetHash.slice(0, 12)})`);
    const endpoints: Record<string, [ProxiedService, string | undefined]> = {
      AWS_ENDPOINT_URL_S3: ['s3', config.s3Endpoint],
      AWS_ENDPOINT_URL_DYNAMODB: ['dynamodb', config.dynamoEndpoint],
    };
    const routes: string[] = [];
    // Stand-ins for the job role's credentials, which ECS serves on AWS: minted for this job, and
    // required of every storage request by its proxies, so code without them is refused.
    const credentials = {
      accessKeyId: `${LOCAL_JOB_KEY_PREFIX}${randomBytes(6).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
    };
    const platformEnvironment: Record<string, string> = {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_BATCH_JOB_ID: jobId,
      AWS_BATCH_JOB_ATTEMPT: '1',
      AWS_BATCH_JQ_NAME: submitJob.jobQueue ?? '',
    };
    const roleProxies: net.Server[] = [];
    for (const [variable, [service, endpoint]] of Object.entries(endpoints)) {
      if (!endpoint) continue;
      const url = new URL(endpoint);
      const port = Number(url.port);
      if (permissions) {
        const { socketPath, server } = await this.roleProxy(jobId, service, endpoint, config.region, permissions, credentials);
        roleProxies.push(server);
        routes.push(`${port}=${socketPath}`);
      } else {
        routes.push(`${port}=${await this.hostRelay(url.hostname, port)}`);
      }
      platformEnvironment[variable] = `http://127.0.0.1:${port}`;
    }
    // A platform file is copied for this job, owned by the container's user and readable by it only.
    const mounts: string[] = [];
    for (const [index, file] of platformFiles.entries()) {
      const copy = join(this.socketDir, `${jobId}-file-${index}`);
      copyFileSync(file.hostPath, copy);
      const uid = Number(contract.user ?? 0);
      chownSync(copy, Number.isInteger(uid) ? uid : 0, Number.isInteger(uid) ? uid : 0);
      chmodSync(copy, 0o400);
      const containerPath = `/run/podium/${basename(file.hostPath)}`;
      mounts.push(`--volume=${copy}:${containerPath}:ro`);
      platformEnvironment[file.env] = containerPath;
    }
    const args = podmanCreateArgs({
      contract,
      submitJob,
      image,
      containerName: `podium-job-${jobId}`,
      importValue: this.options.importValues(spec.challengeId, config),
      platformEnvironment,
      labels: { [JOB_CONTAINER_LABEL]: jobId },
      hostHardLimits: hostHardLimits(),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    // Platform files go before the image name, with the other options.
    if (mounts.length > 0) args.splice(args.indexOf(image), 0, ...mounts);
    const containerId = (await podman(args)).trim();
    job.containerId = containerId;
    try {
      if (job.killed) throw new Error('killed before it started');
      // The container's network namespace exists once it is initialised, before its process runs.
      await podman(['init', containerId]);
      const pid = (await podman(['inspect', '--format', '{{.State.Pid}}', containerId])).trim();
      job.relay = await startRelay(pid, routes);
      if (job.killed) throw new Error('killed before it started');
      const attached = spawnPodman(['start', '--attach', containerId]);
      attached.stdout!.pipe(job.stdout, { end: false });
      attached.stderr!.pipe(job.stderr, { end: false });
      await new Promise((done) => attached.once('close', done));
      const [exitCode, oomKilled] = (await podman(['inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', containerId])).trim().split(' ');
      if (oomKilled === 'true') job.stderr.write('OutOfMemoryError: Container killed due to memory usage\n');
      job.finish(Number(exitCode));
    } finally {
      job.relay?.kill('SIGKILL');
      for (const server of roleProxies) server.close();
      for (const index of platformFiles.keys()) rmSync(join(this.socketDir, `${jobId}-file-${index}`), { force: true });
      await podman(['rm', '--force', '--volumes', containerId]).catch((error: unknown) =>
        this.options.log?.(`could not remove ${containerId}: ${String(error)}`),
      );
    }
  }

  /**
   * The job definition with the instance's hidden-inputs mount (a host path on AWS, mounted by the
   * launch template) pointing at its local stand-in, mounted on first use and kept for later jobs.
   */
  private async withInstanceMounts(contract: JobContainerContract, { spec, config }: LaunchRequest): Promise<JobContainerContract> {
    const declared = contract.environment[MOUNTED_INPUTS_ENV];
    if (declared === undefined) return contract;
    const importValue = this.options.importValues(spec.challengeId, config);
    const mounted = mountedInputsSchema.parse(JSON.parse(resolveCfnValue(MOUNTED_INPUTS_ENV, declared, importValue)));
    const volume = contract.volumes.find((candidate) => candidate.containerPath === mounted.path);
    if (!volume?.hostPath || !volume.readOnly)
      throw new Error(`${contract.jobDefinitionName}: ${MOUNTED_INPUTS_ENV} names ${mounted.path}, which no read-only host volume binds`);
    const hiddenBucket = contract.environment[STORAGE_ENV.hiddenBucket];
    if (hiddenBucket === undefined) throw new Error(`${contract.jobDefinitionName}: ${MOUNTED_INPUTS_ENV} without ${STORAGE_ENV.hiddenBucket}`);
    this.instanceMounts ??= new InstanceMounts({
      root: this.options.instanceRoot ?? join(this.socketDir, 'instance'),
      s3Endpoint: config.s3Endpoint!,
      region: config.region,
      ...(this.options.s3fsTuning ? { tuning: this.options.s3fsTuning } : {}),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    const local = await this.instanceMounts.mount({
      challengeId: spec.challengeId,
      phaseId: spec.phaseId,
      bucket: resolveCfnValue(STORAGE_ENV.hiddenBucket, hiddenBucket, importValue),
      prefix: mounted.prefix,
      hostPath: volume.hostPath,
    });
    return { ...contract, volumes: contract.volumes.map((candidate) => (candidate === volume ? { ...candidate, hostPath: local } : candidate)) };
  }

  /** A unix socket for one job's calls to one endpoint, each evaluated as the job's role. */
  private async roleProxy(
    jobId: string,
    service: ProxiedService,
    upstream: string,
    region: string,
    permissions: PrincipalPermissions,
    credentials: LocalCredentials,
  ) {
    const socketPath = join(this.socketDir, `${jobId}-${service}.sock`);
    const server = createRoleProxy({
      service,
      upstream,
      region,
      permissions,
      credentials,
      upstreamAccessKeyId: EMULATOR_CREDENTIALS.accessKeyId,
      onDecision: (decision) => {
        if (decision.denial) this.options.log?.(`${jobId}: AccessDenied: ${decision.denial.message}`);
        this.options.onDecision?.(jobId, decision);
      },
    });
    await new Promise<void>((done, fail) => server.once('error', fail).listen(socketPath, () => done()));
    return { socketPath, server };
  }

  /** One unix socket per storage endpoint, forwarding to it unevaluated (PODIUM_IAM_PARITY=off). */
  private async hostRelay(host: string, port: number): Promise<string> {
    const socketPath = join(this.socketDir, `${port}.sock`);
    if (this.hostRelays.has(port)) return socketPath;
    const server = net.createServer((inside) => {
      const endpoint = net.connect(port, host);
      inside.pipe(endpoint).pipe(inside);
      inside.on('error', () => endpoint.destroy());
      endpoint.on('error', () => inside.destroy());
    });
    this.hostRelays.set(port, server);
    await new Promise<void>((done, fail) => server.once('error', fail).listen(socketPath, () => done()));
    return socketPath;
  }
}

/** The relay inside the container's network namespace; resolves once it listens. */
function startRelay(pid: string, routes: string[]): Promise<ChildProcess> {
  const relay = spawn('nsenter', ['--target', pid, '--net', '--', process.execPath, RELAY_SCRIPT, ...routes], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((done, fail) => {
    let stderr = '';
    relay.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    relay.stdout!.once('data', () => done(relay));
    relay.once('close', (code) => fail(new Error(`the endpoint relay exited ${code}: ${stderr.trim()}`)));
  });
}

class ContainerJob extends EventEmitter implements LaunchedJob {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  containerId?: string;
  relay?: ChildProcess;
  killed = false;

  kill(): void {
    this.killed = true;
    if (this.containerId) void podman(['kill', '--signal', 'KILL', this.containerId]).catch(() => {});
  }

  terminate(): void {
    if (this.containerId) void podman(['kill', '--signal', 'TERM', this.containerId]).catch(() => {});
    else this.kill();
  }

  fail(message: string): void {
    if (this.exitCode !== null) return;
    this.stderr.write(`${message}\n`);
    this.finish(this.killed ? 137 : CANNOT_START);
  }

  finish(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    let open = 2;
    const ended = () => --open === 0 && this.emit('close', code, null);
    this.stdout.once('end', ended).end();
    this.stderr.once('end', ended).end();
    this.stdout.resume();
    this.stderr.resume();
  }
}
