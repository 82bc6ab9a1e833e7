import type { SubmitJobCommandInput } from '@aws-sdk/client-batch';
import { reachableLocally } from './declared-job-environment.ts';
import { resolveCfnValue, type JobContainerContract } from './job-definition-contract.ts';

export interface ContainerRunRequest {
  contract: JobContainerContract;
  /** The SubmitJob request (its container overrides apply as Batch applies them). */
  submitJob: Pick<SubmitJobCommandInput, 'containerOverrides'>;
  image: string;
  containerName: string;
  importValue: (exportName: string) => string;
  /** What the platform around the container provides on AWS: endpoints, credentials, AWS_BATCH_*. */
  platformEnvironment: Record<string, string>;
  labels?: Record<string, string>;
  /**
   * This machine's hard limits by ulimit name (hostHardLimits()). A job definition's ulimit above
   * one cannot be set here without CAP_SYS_RESOURCE, so it is lowered to it and reported.
   */
  hostHardLimits?: Record<string, number>;
  log?: (line: string) => void;
}

/**
 * The container's environment as Batch composes it: the job definition's variables, then the
 * SubmitJob overrides (added or replacing), then what the platform injects. Nothing else from
 * this process leaks in; the image's own ENV still applies, as on AWS.
 */
export function containerEnvironment(request: ContainerRunRequest): Record<string, string> {
  const declared = Object.fromEntries(
    Object.entries(request.contract.environment)
      .filter(([name]) => reachableLocally(name, {}))
      .map(([name, value]) => [name, resolveCfnValue(name, value, request.importValue)]),
  );
  const overridden = Object.fromEntries((request.submitJob.containerOverrides?.environment ?? []).map((e) => [e.name!, e.value ?? '']));
  return { ...declared, ...overridden, ...request.platformEnvironment };
}

/** MEMORY, VCPU and GPU after SubmitJob's resourceRequirements override the job definition's. */
export function containerResources(request: ContainerRunRequest): { memoryMiB: number; vcpus: number; gpus: number } {
  const override = Object.fromEntries((request.submitJob.containerOverrides?.resourceRequirements ?? []).map((r) => [r.type, Number(r.value)]));
  const { contract } = request;
  return { memoryMiB: override.MEMORY ?? contract.memoryMiB, vcpus: override.VCPU ?? contract.vcpus, gpus: override.GPU ?? contract.gpus };
}

/**
 * `podman create` arguments that give the container what ECS gives it from the job definition:
 * user, read-only root (and no podman-only tmpfs on /run, /tmp, /var/tmp), memory hard limit and
 * swap, CPU shares, /dev/shm size, init, tmpfs sizes, volumes, ulimits and the environment. No
 * network: the runner relays the storage endpoints into the container's own loopback.
 * GPUs are not passed through locally.
 */
export function podmanCreateArgs(request: ContainerRunRequest): string[] {
  const { contract } = request;
  const { memoryMiB, vcpus } = containerResources(request);
  if (!Number.isFinite(memoryMiB) || memoryMiB <= 0) throw new Error(`${contract.jobDefinitionName}: no MEMORY requirement, so no memory limit to apply`);
  const args = ['create', `--name=${request.containerName}`, '--network=none', '--pull=never'];
  for (const [name, value] of Object.entries(request.labels ?? {})) args.push(`--label=${name}=${value}`);
  if (contract.user !== undefined) args.push(`--user=${contract.user}`);
  if (contract.privileged) args.push('--privileged');
  // Docker, which ECS drives, adds no tmpfs to a read-only root; podman does unless told not to.
  if (contract.readonlyRootFilesystem) args.push('--read-only', '--read-only-tmpfs=false');
  args.push(`--memory=${memoryMiB}m`);
  if (contract.maxSwapMiB !== undefined) args.push(`--memory-swap=${memoryMiB + contract.maxSwapMiB}m`);
  args.push(`--cpu-shares=${Math.round(vcpus * 1024)}`);
  if (contract.sharedMemoryMiB !== undefined) args.push(`--shm-size=${contract.sharedMemoryMiB}m`);
  if (contract.initProcessEnabled) args.push('--init');
  for (const tmpfs of contract.tmpfs) args.push(`--tmpfs=${tmpfs.containerPath}:${['rw', `size=${tmpfs.sizeMiB}m`, ...tmpfs.mountOptions].join(',')}`);
  for (const volume of contract.volumes) {
    const source = volume.hostPath ? `type=bind,source=${volume.hostPath}` : 'type=volume';
    args.push(`--mount=${source},destination=${volume.containerPath}${volume.readOnly ? ',ro' : ''}`);
  }
  for (const ulimit of contract.ulimits) {
    const ceiling = request.hostHardLimits?.[ulimit.name] ?? Infinity;
    if (ulimit.hardLimit > ceiling)
      request.log?.(`${contract.jobDefinitionName}: ulimit ${ulimit.name} ${ulimit.hardLimit} lowered to this machine's hard limit ${ceiling}`);
    args.push(`--ulimit=${ulimit.name}=${Math.min(ulimit.softLimit, ceiling)}:${Math.min(ulimit.hardLimit, ceiling)}`);
  }
  // Podman-only defaults a Batch container does not have.
  args.push('--unsetenv=TERM', '--unsetenv=container');
  for (const [name, value] of Object.entries(containerEnvironment(request))) args.push(`--env=${name}=${value}`);
  args.push(request.image, ...(contract.command ?? []));
  return args;
}
