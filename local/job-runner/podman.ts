import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * How Podium calls podman on a development machine or CI: runc (crun refuses the hybrid cgroup v1
 * layout of these hosts), cgroupfs (no systemd), and a containers.conf with no default ulimits or
 * pids limit, so a container gets exactly what its job definition sets.
 */
export const CONTAINERS_CONF = resolve(import.meta.dirname, 'containers.conf');
export const PODMAN_GLOBAL_ARGS = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];

const podmanEnv = () => ({ ...process.env, CONTAINERS_CONF });

export function spawnPodman(args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn('podman', [...PODMAN_GLOBAL_ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options, env: podmanEnv() });
}

/** Runs podman to completion; rejects with its stderr when it fails. */
export function podman(args: string[], options: { input?: string } = {}): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawnPodman(args, { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8192)));
    if (options.input !== undefined) child.stdin!.end(options.input);
    child.once('error', fail);
    child.once('close', (code) => (code === 0 ? done(stdout) : fail(new Error(`podman ${args.slice(0, 2).join(' ')} exited ${code}: ${stderr.trim()}`))));
  });
}

/** Whether podman is installed and answers (the container runtime is optional on a laptop). */
export function podmanAvailable(): boolean {
  const result = spawnSync('podman', [...PODMAN_GLOBAL_ARGS, 'version', '--format', '{{.Client.Version}}'], {
    env: podmanEnv(),
    stdio: 'ignore',
    timeout: 20_000,
  });
  return result.status === 0;
}

/** /proc/self/limits rows by the ulimit names job definitions use. */
const LIMIT_ROWS: Record<string, string> = {
  nofile: 'Max open files',
  nproc: 'Max processes',
  core: 'Max core file size',
  stack: 'Max stack size',
  memlock: 'Max locked memory',
  fsize: 'Max file size',
};

/** This process's hard limits (what a container started from here can get without CAP_SYS_RESOURCE). */
export function hostHardLimits(limits = readFileSync('/proc/self/limits', 'utf8')): Record<string, number> {
  const found: Record<string, number> = {};
  for (const [name, row] of Object.entries(LIMIT_ROWS)) {
    const hard = new RegExp(`^${row}\\s+\\S+\\s+(\\d+)`, 'm').exec(limits)?.[1];
    if (hard) found[name] = Number(hard);
  }
  return found;
}
