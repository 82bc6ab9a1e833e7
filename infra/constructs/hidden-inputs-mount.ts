import { Stack } from 'aws-cdk-lib';
import { EcsVolume } from 'aws-cdk-lib/aws-batch';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { MOUNTED_INPUTS_ENV, type MountedInputs } from '#shared/pipeline/mounted-inputs.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { importedNameOf } from '../data-exports.ts';
import { acknowledge, renderedArn, wildcardResource } from '../nag.ts';

/** Where every job container of the phase sees the instance's mount (read-only; the launcher links the data mount to it). */
export const HIDDEN_INPUTS_CONTAINER_PATH = '/mnt/podium-inputs';
/** Mountpoint's systemd unit on each GPU instance. */
const UNIT = 'podium-hidden-inputs.service';

/**
 * One phase's hidden inputs as a read-only file system on its GPU instances: Mountpoint for Amazon
 * S3 (`mount-s3`, AWS's own client) started by the launch template, with its cache on the
 * instance's volume, so a run fetches only the byte ranges its code reads and a later run on the
 * same instance reads them from the cache. The host path and the cache are keyed by phase and
 * dataset (the dataset's version: a phase's hidden dataset does not change while it runs, and
 * Mountpoint keys cached blocks by each object's ETag besides).
 */
export interface HiddenInputsMount {
  bucket: IBucket;
  /** `inputs/<challenge>/<dataset>/`: never `labels/` or `manifests/`. */
  prefix: string;
  /** On the instance: `/mnt/podium/<phase>/<dataset>`. */
  hostPath: string;
  /** On the instance's volume: `/var/cache/podium/<phase>/<dataset>`. */
  cacheDir: string;
  /** Mountpoint evicts the least recently used blocks beyond this. */
  cacheMiB: number;
}

export function hiddenInputsMount(props: { challengeId: string; phaseId: string; datasetId: string; bucket: IBucket; cacheGiB: number }): HiddenInputsMount {
  const key = `${props.phaseId}/${props.datasetId}`;
  return {
    bucket: props.bucket,
    prefix: objectKeys.hiddenInputsPrefix(props.challengeId, props.datasetId),
    hostPath: `/mnt/podium/${key}`,
    cacheDir: `/var/cache/podium/${key}`,
    cacheMiB: Math.floor(props.cacheGiB * 1024),
  };
}

/**
 * The user-data commands that install Mountpoint (from the AL2023 repository, reached through the
 * S3 gateway endpoint) and mount the prefix before the ECS agent starts any job. A systemd unit
 * keeps it mounted (restarted, and unmounted first, if the client dies); the commands wait until
 * the mount answers, so no job is placed on an instance whose mount never came up.
 */
export function mountCommands(mount: HiddenInputsMount, region: string): string[] {
  const mountS3 = [
    '/usr/bin/mount-s3',
    '--foreground',
    '--read-only',
    // Jobs run main.py as another uid, which must read the files; root-owned, modes 0755/0444.
    '--allow-other',
    '--dir-mode 0555',
    '--file-mode 0444',
    `--region ${region}`,
    `--prefix ${mount.prefix}`,
    `--cache ${mount.cacheDir}`,
    `--max-cache-size ${mount.cacheMiB}`,
    mount.bucket.bucketName,
    mount.hostPath,
  ].join(' ');
  const unit = [
    '[Unit]',
    'Description=Podium hidden inputs (Mountpoint for Amazon S3, read-only)',
    'Wants=network-online.target',
    'After=network-online.target',
    'Before=ecs.service',
    '[Service]',
    'Type=simple',
    `ExecStartPre=-/usr/bin/fusermount -u ${mount.hostPath}`,
    `ExecStartPre=/usr/bin/mkdir -p ${mount.hostPath} ${mount.cacheDir}`,
    `ExecStart=${mountS3}`,
    `ExecStop=/usr/bin/fusermount -u ${mount.hostPath}`,
    'Restart=always',
    'RestartSec=2',
    '[Install]',
    'WantedBy=multi-user.target',
  ].join('\n');
  return [
    'dnf install -y mount-s3',
    `cat > /etc/systemd/system/${UNIT} <<'PODIUM_UNIT'\n${unit}\nPODIUM_UNIT`,
    'systemctl daemon-reload',
    `systemctl enable --now ${UNIT}`,
    `for attempt in $(seq 1 60); do mountpoint -q ${mount.hostPath} && break; sleep 1; done`,
    `mountpoint -q ${mount.hostPath} || { echo 'podium: the hidden inputs did not mount' >&2; exit 1; }`,
  ];
}

/** What the instance role needs to serve the mount: list and read that prefix, nothing else of the bucket. */
export function grantMountRead(instanceRole: IRole, mount: HiddenInputsMount): void {
  instanceRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [mount.bucket.arnForObjects(`${mount.prefix}*`)] }));
  instanceRole.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['s3:ListBucket'], resources: [mount.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${mount.prefix}*`] } } }),
  );
  acknowledge(
    instanceRole,
    wildcardResource(renderedArn(Stack.of(instanceRole), 's3', `${importedNameOf(mount.bucket)}/${mount.prefix}*`)),
    `The mount serves every object under ${mount.prefix} (one phase's hidden inputs); access stops at this prefix.`,
  );
}

/**
 * Gives the inference job the mount: the host path bound read-only, and the variable that tells the
 * launcher where it is and which prefix it shows, set together so neither exists without the other.
 */
export function bindHiddenInputsMount(mount: HiddenInputsMount, environment: Record<string, string>, volumes: EcsVolume[]): void {
  const declared: MountedInputs = { prefix: mount.prefix, path: HIDDEN_INPUTS_CONTAINER_PATH };
  environment[MOUNTED_INPUTS_ENV] = JSON.stringify(declared);
  volumes.push(EcsVolume.host({ name: 'hidden-inputs', hostPath: mount.hostPath, containerPath: HIDDEN_INPUTS_CONTAINER_PATH, readonly: true }));
}
