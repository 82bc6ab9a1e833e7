import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { downloadInputs } from '#shared/pipeline/run-inference-job.ts';
import { createS3Client, EMULATOR_CREDENTIALS } from '#shared/storage/clients.ts';

/** Names a storage config needs besides the hidden bucket; the copy touches only that one. */
const LOCAL_BUCKETS = { tableName: 'unused', datasetsBucket: 'unused', submissionsBucket: 'unused', predictionsBucket: 'unused' };

/**
 * What a phase's GPU instances mount on AWS (Mountpoint for Amazon S3, started by the launch
 * template: infra/constructs/hidden-inputs-mount.ts), stood in for on this machine by Debian's
 * `s3fs` over the local S3 endpoint: the same prefix, read-only, with a cache that outlives the
 * job, so the inference container gets the same bind mount and the launcher the same code path.
 */
export interface InstanceMountRequest {
  challengeId: string;
  phaseId: string;
  bucket: string;
  /** `inputs/<challenge>/<dataset>/`. */
  prefix: string;
  /** The path the job definition binds (`/mnt/podium/<phase>/<dataset>`). */
  hostPath: string;
}

export interface InstanceMountsOptions {
  /** Where mounts and caches live: `<root>/mnt/<challenge>/<host path>` and `<root>/cache/…`. */
  root: string;
  s3Endpoint: string;
  region: string;
  /** s3fs tuning (`-o` options) beyond what makes it a read-only mount of the prefix; see s3fsOptions. */
  tuning?: string[];
  /**
   * `s3fs` (FUSE, byte ranges on demand) or `directory`: the prefix copied once into a folder made
   * read-only, kept for later jobs (the instance-level cache design). `directory` is the default
   * of the parity harness, which has not yet been run with `s3fs` since the mount's ECONNABORTED
   * was traced to a blocked event loop (isMountPoint); bench/staging runs `s3fs`.
   */
  mode?: 's3fs' | 'directory';
  log?: (line: string) => void;
}

/**
 * s3fs reads ahead `multipart_size × parallel_count` MB from each read's offset (50 MB by default),
 * and to the end of smaller files: one part of the smallest size, one at a time, keeps a run's
 * fetches close to what its code reads (docs/benchmarks.md, "Hidden inputs at scale").
 */
export const S3FS_RANGE_TUNING = ['multipart_size=5', 'parallel_count=1'];

interface ActiveMount {
  dir: string;
  s3fs: ChildProcess;
}

/** How long a mount may take to answer before the job fails as a platform fault. */
const MOUNT_TIMEOUT_MS = 20_000;

/** Whether this machine can stand in for the instance mount: s3fs installed and FUSE available. */
export function s3fsAvailable(): boolean {
  return spawnSync('s3fs', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * One s3fs mount per (challenge, host path), made on first use and kept for later jobs, as the
 * instance keeps its mount across the jobs it runs. s3fs reads with the emulators' key, not through
 * a role proxy acting as the GPU instance role: at mount time s3fs lists the bucket without the
 * prefix, which that role (scoped to the prefix, as Mountpoint needs) is refused, so s3fs would
 * never mount. The instance role's scope is checked by the evaluator instead
 * (test/local/iam/evaluation.test.ts).
 */
export class InstanceMounts {
  private readonly mounts = new Map<string, Promise<ActiveMount | { dir: string }>>();

  constructor(private readonly options: InstanceMountsOptions) {}

  /** The local folder that stands for `request.hostPath`, mounted when first asked for. */
  async mount(request: InstanceMountRequest): Promise<string> {
    const key = `${request.challengeId}:${request.hostPath}`;
    let active = this.mounts.get(key);
    if (!active) {
      active = this.start(request);
      this.mounts.set(key, active);
      active.catch(() => this.mounts.delete(key));
    }
    return (await active).dir;
  }

  /** Unmounts everything. */
  async close(): Promise<void> {
    const mounts = await Promise.allSettled(this.mounts.values());
    this.mounts.clear();
    for (const settled of mounts) {
      if (settled.status !== 'fulfilled' || !('s3fs' in settled.value)) continue;
      const { dir, s3fs } = settled.value;
      spawnSync('fusermount', ['-u', '-z', dir], { stdio: 'ignore' });
      s3fs.kill('SIGTERM');
    }
  }

  private async start(request: InstanceMountRequest): Promise<ActiveMount | { dir: string }> {
    if ((this.options.mode ?? 'directory') === 'directory') return this.copyOnce(request);
    return this.mountS3fs(request);
  }

  /** The prefix downloaded once (the launcher's own download) into a folder made read-only. */
  private async copyOnce(request: InstanceMountRequest): Promise<{ dir: string }> {
    const relative = posix.normalize(request.hostPath).replace(/^\/+/, '');
    const dir = join(this.options.root, 'copy', request.challengeId, relative);
    const s3 = createS3Client({ ...LOCAL_BUCKETS, region: this.options.region, s3Endpoint: this.options.s3Endpoint, hiddenBucket: request.bucket });
    await rm(dir, { recursive: true, force: true });
    await downloadInputs(s3, request.bucket, request.prefix, dir);
    execFileSync('chmod', ['-R', 'a-w,a+rX', dir]);
    this.options.log?.(`instance copy: s3://${request.bucket}/${request.prefix} in ${dir} (for ${request.hostPath})`);
    return { dir };
  }

  private async mountS3fs(request: InstanceMountRequest): Promise<ActiveMount> {
    const relative = posix.normalize(request.hostPath).replace(/^\/+/, '');
    const dir = join(this.options.root, 'mnt', request.challengeId, relative);
    const cache = join(this.options.root, 'cache', request.challengeId, relative);
    const stateDir = join(this.options.root, 'state', request.challengeId, relative);
    // A mount a killed stack left behind answers "transport endpoint is not connected", even to mkdir.
    spawnSync('fusermount', ['-u', '-z', dir], { stdio: 'ignore' });
    for (const path of [dir, cache, stateDir]) mkdirSync(path, { recursive: true });

    const url = this.options.s3Endpoint;
    const credentials = EMULATOR_CREDENTIALS;
    const passwd = join(stateDir, 'passwd-s3fs');
    writeFileSync(passwd, `${credentials.accessKeyId}:${credentials.secretAccessKey}\n`, { mode: 0o600 });
    const prefix = request.prefix.replace(/\/+$/, '');
    const args = [
      `${request.bucket}:/${prefix}`,
      dir,
      '-f',
      '-o',
      s3fsOptions({ url, passwd, cache, region: this.options.region, tuning: this.options.tuning }),
    ];
    const s3fs = spawn('s3fs', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    s3fs.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const deadline = Date.now() + MOUNT_TIMEOUT_MS;
    while (!(await isMountPoint(dir))) {
      if (s3fs.exitCode !== null || Date.now() > deadline) {
        s3fs.kill('SIGKILL');
        spawnSync('fusermount', ['-u', '-z', dir], { stdio: 'ignore' });
        throw new Error(`s3fs could not mount s3://${request.bucket}/${request.prefix} at ${dir}: ${stderr.trim() || 'no answer'}`);
      }
      await sleep(100);
    }
    this.options.log?.(`instance mount: s3://${request.bucket}/${request.prefix} at ${dir} (for ${request.hostPath})`);
    // A mount that dies fails the jobs that read it (their check of the mount refuses it): say why.
    s3fs.once('exit', (code, signal) => {
      this.options.log?.(`instance mount: s3fs for ${request.hostPath} exited (${signal ?? code}): ${stderr.trim()}`);
      this.mounts.delete(`${request.challengeId}:${request.hostPath}`);
    });
    return { dir, s3fs };
  }
}

/**
 * Whether `dir` is a mount point yet. Asked without blocking: `mountpoint` stats the FUSE root,
 * which s3fs answers with a request to the S3 endpoint, and when that endpoint lives in this
 * process (the local stack, bench/staging) a spawnSync here froze the event loop that had to
 * answer it: s3fs waited out its timeouts, and the mount answered ECONNABORTED.
 */
function isMountPoint(dir: string): Promise<boolean> {
  return new Promise((answer) => execFile('mountpoint', ['-q', dir], (error) => answer(!error)));
}

/** The `-o` list: read-only, path-style against the local endpoint, readable by the job's other uids, cached. */
export function s3fsOptions(settings: { url: string; passwd: string; cache: string; region: string; tuning?: string[] | undefined }): string {
  return [
    'ro',
    'allow_other',
    // Objects carry no mode metadata: files and folders read as r-xr-xr-x, owned by root.
    'umask=0222',
    'use_path_request_style',
    `url=${settings.url}`,
    `endpoint=${settings.region}`,
    'sigv4',
    `passwd_file=${settings.passwd}`,
    `use_cache=${settings.cache}`,
    // The hidden dataset does not change under a running phase; a changed object has a new ETag.
    'check_cache_dir_exist',
    ...(settings.tuning ?? S3FS_RANGE_TUNING),
  ].join(',');
}
