import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dataMountPath, CODE_MOUNT, type SandboxRequest, type SandboxResult } from '#shared/sandbox/run-sandboxed.ts';
import { LogCapture } from '#shared/sandbox/log-capture.ts';
import { hostHardLimits, PODMAN_GLOBAL_ARGS, CONTAINERS_CONF } from '../local/job-runner/podman.ts';

/**
 * `podium test-submission --container`: main.py in the phase's runtime image with what the
 * inference job gives it on AWS (batch-jobs/inference/Dockerfile, infra/stacks/phase-stack.ts):
 * the competitor uid 10001, a read-only root, the code at /code_execution, the data read-only at
 * the phase's mount, the phase's memory as the container's hard limit with no swap, 2 GiB of
 * /dev/shm, the job definition's ulimits, the sandbox's own rlimits (prlimit) and no network.
 */
export const COMPETITOR_UID = 10001;
const SHARED_MEMORY_MIB = 2048;
const ULIMITS = { nproc: 4096, nofile: 65536 };

export type ContainerEngine = 'podman' | 'docker';

/** podman where it answers (as the local job runner calls it), else docker; undefined with neither. */
export function detectContainerEngine(): ContainerEngine | undefined {
  const podman = spawnSync('podman', [...PODMAN_GLOBAL_ARGS, 'version', '--format', '{{.Client.Version}}'], {
    env: { ...process.env, CONTAINERS_CONF },
    stdio: 'ignore',
    timeout: 20_000,
  });
  if (podman.status === 0) return 'podman';
  const docker = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore', timeout: 20_000 });
  return docker.status === 0 ? 'docker' : undefined;
}

export function engineCommand(engine: ContainerEngine, args: string[]): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return engine === 'podman'
    ? { command: 'podman', args: [...PODMAN_GLOBAL_ARGS, ...args], env: { ...process.env, CONTAINERS_CONF } }
    : { command: 'docker', args, env: process.env };
}

/** Runs the engine to completion; resolves with stdout, rejects with stderr. */
export function runEngine(engine: ContainerEngine, args: string[]): Promise<string> {
  const { command, args: full, env } = engineCommand(engine, args);
  return new Promise((done, fail) => {
    const child = spawn(command, full, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    child.once('error', fail);
    child.once('close', (code) => (code === 0 ? done(stdout) : fail(new Error(`${command} ${args[0]} exited ${code}: ${stderr.trim()}`))));
  });
}

export async function imageExists(engine: ContainerEngine, image: string): Promise<boolean> {
  return runEngine(engine, ['image', 'inspect', '--format', '{{.Id}}', image]).then(
    () => true,
    () => false,
  );
}

/** The `run` arguments for one submission's container; exported for the test of what it promises. */
export function containerRunArgs(engine: ContainerEngine, image: string, name: string, request: SandboxRequest): string[] {
  const { limits } = request;
  const hard = hostHardLimits();
  const ulimit = (key: keyof typeof ULIMITS) => Math.min(ULIMITS[key], hard[key] ?? ULIMITS[key]);
  return [
    'create',
    `--name=${name}`,
    '--network=none',
    '--pull=never',
    `--user=${COMPETITOR_UID}:${COMPETITOR_UID}`,
    '--read-only',
    ...(engine === 'podman' ? ['--read-only-tmpfs=false'] : []),
    `--memory=${limits.memoryMiB}m`,
    `--memory-swap=${limits.memoryMiB}m`,
    `--shm-size=${SHARED_MEMORY_MIB}m`,
    '--init',
    `--ulimit=nproc=${ulimit('nproc')}:${ulimit('nproc')}`,
    `--ulimit=nofile=${ulimit('nofile')}:${ulimit('nofile')}`,
    `--mount=type=bind,source=${request.codeDir},destination=${CODE_MOUNT}`,
    `--mount=type=bind,source=${request.dataDir},destination=${dataMountPath(request.dataMount)},readonly`,
    `--mount=type=bind,source=${request.tmpDir},destination=/tmp`,
    `--workdir=${CODE_MOUNT}`,
    // The clean environment the launcher gives main.py (shared/sandbox/run-sandboxed.ts).
    ...['HOME=/tmp', 'TMPDIR=/tmp', 'LANG=C.UTF-8', 'PYTHONUNBUFFERED=1', 'PYTHONDONTWRITEBYTECODE=1', 'MPLCONFIGDIR=/tmp'].map((pair) => `--env=${pair}`),
    '--entrypoint=prlimit',
    image,
    `--as=${limits.memoryMiB * 1024 * 1024}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.maxFileBytes}`,
    '--core=0',
    '--',
    'python3',
    request.script ?? 'main.py',
  ];
}

/** A SandboxRunner for runSubmission that runs main.py in `image` with `engine`. */
export function containerSandbox(engine: ContainerEngine, image: string): (request: SandboxRequest) => Promise<SandboxResult> {
  return async (request) => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(request.tmpDir, { recursive: true });
    await giveToCompetitor(request.codeDir);
    await giveToCompetitor(request.tmpDir);
    const name = `podium-test-submission-${randomBytes(6).toString('hex')}`;
    const log = new LogCapture(request.limits.log);
    await runEngine(engine, containerRunArgs(engine, image, name, request));
    const started = Date.now();
    let timedOut = false;
    try {
      const exitCode = await new Promise<number | null>((done, fail) => {
        const { command, args, env } = engineCommand(engine, ['start', '--attach', name]);
        const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (chunk: Buffer) => log.writeStdout(chunk));
        child.stderr.on('data', (chunk: Buffer) => log.writeStderr(chunk));
        const timer = setTimeout(() => {
          timedOut = true;
          void runEngine(engine, ['kill', name]).catch(() => {});
        }, request.limits.timeLimitSeconds * 1000);
        child.once('error', fail);
        child.once('close', (code) => {
          clearTimeout(timer);
          done(code);
        });
      });
      const state = JSON.parse(await runEngine(engine, ['inspect', '--format', '{{json .State}}', name])) as { OOMKilled?: boolean; ExitCode?: number };
      log.finish();
      const outcome = timedOut ? 'timeout' : state.OOMKilled ? 'out-of-memory' : 'exited';
      return {
        outcome,
        exitCode: state.ExitCode ?? exitCode,
        signal: null,
        durationMs: Date.now() - started,
        log,
        mode: 'container',
        memoryBound: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'cgroup v2' : 'cgroup v1',
        peakMemoryBytes: 0,
        gpus: 0,
      };
    } finally {
      await runEngine(engine, ['rm', '--force', name]).catch(() => {});
    }
  };
}

/** The competitor uid writes the code folder and /tmp, as on AWS, where the launcher chowns them. */
async function giveToCompetitor(root: string): Promise<void> {
  if (process.getuid?.() !== 0) {
    // Rootless engines map the container's uids elsewhere: let any uid write this private folder.
    await chmodTree(root);
    return;
  }
  await chown(root, COMPETITOR_UID, COMPETITOR_UID);
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) await giveToCompetitor(path);
    else if (entry.isFile()) await chown(path, COMPETITOR_UID, COMPETITOR_UID);
  }
}

async function chmodTree(root: string): Promise<void> {
  await chmod(root, 0o777);
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) await chmodTree(path);
    else if (entry.isFile()) await chmod(path, 0o666);
  }
}
