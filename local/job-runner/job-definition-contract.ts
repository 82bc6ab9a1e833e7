/**
 * What a synthesized `AWS::Batch::JobDefinition` promises its container, read from the
 * CloudFormation template CDK emits (ContainerProperties), so the local container runner applies
 * the deployed contract rather than a hand-kept copy of it.
 */

/** A CloudFormation value: a literal, or an intrinsic such as `{ "Fn::ImportValue": "tissuenet-data-HiddenBucket" }`. */
export type CfnValue = string | number | boolean | { [intrinsic: string]: unknown };

export interface JobContainerContract {
  jobDefinitionName: string;
  /** The tag of the CDK docker image asset the job definition points at (its source hash). */
  imageAssetHash: string;
  /** `undefined`: the image's USER. */
  user?: string;
  command?: string[];
  readonlyRootFilesystem: boolean;
  privileged: boolean;
  memoryMiB: number;
  vcpus: number;
  gpus: number;
  environment: Record<string, CfnValue>;
  initProcessEnabled: boolean;
  sharedMemoryMiB?: number;
  maxSwapMiB?: number;
  tmpfs: { containerPath: string; sizeMiB: number; mountOptions: string[] }[];
  /** Mount points; `hostPath` undefined is a Docker-managed volume that lives as long as the container. */
  volumes: { containerPath: string; readOnly: boolean; hostPath?: string }[];
  ulimits: { name: string; softLimit: number; hardLimit: number }[];
  timeoutSeconds?: number;
}

/** The ContainerProperties fields the local runner applies, as CloudFormation spells them. */
interface CfnContainerProperties {
  Image?: unknown;
  User?: string | number;
  Command?: unknown[];
  ReadonlyRootFilesystem?: boolean;
  Privileged?: boolean;
  Memory?: number;
  Vcpus?: number;
  ResourceRequirements?: { Type: string; Value: string }[];
  Environment?: { Name: string; Value: CfnValue }[];
  LinuxParameters?: {
    InitProcessEnabled?: boolean;
    SharedMemorySize?: number;
    MaxSwap?: number;
    Tmpfs?: { ContainerPath: string; Size: number; MountOptions?: string[] }[];
  };
  MountPoints?: { ContainerPath: string; SourceVolume: string; ReadOnly?: boolean }[];
  Volumes?: { Name: string; Host?: { SourcePath?: string } }[];
  Ulimits?: { Name: string; SoftLimit: number; HardLimit: number }[];
}

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** Every job definition of a template, by JobDefinitionName. */
export function jobContainerContracts(template: { Resources?: Record<string, CfnResource> }): Map<string, JobContainerContract> {
  const contracts = new Map<string, JobContainerContract>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Batch::JobDefinition') continue;
    const contract = contractOf(logicalId, resource.Properties ?? {});
    contracts.set(contract.jobDefinitionName, contract);
  }
  return contracts;
}

function contractOf(logicalId: string, properties: Record<string, unknown>): JobContainerContract {
  const where = `job definition ${logicalId}`;
  const name = properties.JobDefinitionName;
  if (typeof name !== 'string') throw new Error(`${where}: JobDefinitionName must be a literal name (the platform addresses jobs by it)`);
  const container = properties.ContainerProperties as CfnContainerProperties | undefined;
  if (!container) {
    throw new Error(
      `${where} (${name}): only ContainerProperties job definitions run locally; ${properties.EcsProperties ? 'EcsProperties' : 'this shape'} is not ` +
        `supported yet`,
    );
  }
  const resources: Record<string, number> = Object.fromEntries((container.ResourceRequirements ?? []).map((r) => [r.Type, Number(r.Value)]));
  const linux = container.LinuxParameters ?? {};
  const timeout = properties.Timeout as { AttemptDurationSeconds?: number } | undefined;
  const volumesByName = new Map((container.Volumes ?? []).map((v) => [v.Name, v]));
  const volumes = (container.MountPoints ?? []).map((mount) => {
    const volume = volumesByName.get(mount.SourceVolume);
    if (!volume) throw new Error(`${where} (${name}): mount ${mount.ContainerPath} names volume ${mount.SourceVolume}, which is not declared`);
    if (!volume.Host) throw new Error(`${where} (${name}): volume ${mount.SourceVolume} is not a host volume (EFS volumes do not run locally)`);
    return {
      containerPath: String(mount.ContainerPath),
      readOnly: mount.ReadOnly === true,
      ...(volume.Host.SourcePath ? { hostPath: volume.Host.SourcePath } : {}),
    };
  });
  return {
    jobDefinitionName: name,
    imageAssetHash: imageAssetHashOf(where, container.Image),
    ...(container.User !== undefined ? { user: String(container.User) } : {}),
    ...(Array.isArray(container.Command) ? { command: container.Command.map(String) } : {}),
    readonlyRootFilesystem: container.ReadonlyRootFilesystem === true,
    privileged: container.Privileged === true,
    memoryMiB: resources.MEMORY ?? Number(container.Memory ?? NaN),
    vcpus: resources.VCPU ?? Number(container.Vcpus ?? 1),
    gpus: resources.GPU ?? 0,
    environment: Object.fromEntries((container.Environment ?? []).map((e) => [e.Name, e.Value])),
    initProcessEnabled: linux.InitProcessEnabled === true,
    ...(linux.SharedMemorySize !== undefined ? { sharedMemoryMiB: Number(linux.SharedMemorySize) } : {}),
    ...(linux.MaxSwap !== undefined ? { maxSwapMiB: Number(linux.MaxSwap) } : {}),
    tmpfs: (linux.Tmpfs ?? []).map((t) => ({
      containerPath: String(t.ContainerPath),
      sizeMiB: Number(t.Size),
      mountOptions: (t.MountOptions ?? []).map(String),
    })),
    volumes,
    ulimits: (container.Ulimits ?? []).map((u) => ({ name: String(u.Name), softLimit: Number(u.SoftLimit), hardLimit: Number(u.HardLimit) })),
    ...(typeof timeout?.AttemptDurationSeconds === 'number' ? { timeoutSeconds: timeout.AttemptDurationSeconds } : {}),
  };
}

/** CDK renders an asset image as `{ "Fn::Sub": "<account>.dkr.ecr.<region>.<suffix>/<repo>:<hash>" }`. */
function imageAssetHashOf(where: string, image: unknown): string {
  const uri = typeof image === 'string' ? image : (image as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
  const hash = typeof uri === 'string' ? /:([0-9a-f]{64})$/.exec(uri)?.[1] : undefined;
  if (!hash) throw new Error(`${where}: Image ${JSON.stringify(image)} is not a CDK docker image asset, so there is no Dockerfile to build it from`);
  return hash;
}

/**
 * Resolves a template value to the string the container sees. Only literals and `Fn::ImportValue`
 * (the data stack's exports) occur in job environments; anything else is refused by name.
 */
export function resolveCfnValue(variable: string, value: CfnValue, importValue: (exportName: string) => string): string {
  if (typeof value !== 'object') return String(value);
  const exportName = value['Fn::ImportValue'];
  if (typeof exportName === 'string' && Object.keys(value).length === 1) return importValue(exportName);
  throw new Error(`${variable}: the local container runner cannot resolve ${JSON.stringify(value)} (only literals and Fn::ImportValue)`);
}
