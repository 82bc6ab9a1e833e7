import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { chown, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { LogCapture, DEFAULT_LOG_LIMITS, type LogCaptureLimits } from './log-capture.ts';
import { PROGRESS_FD, openMemoryBound, type MemoryGuard, type RunMemoryBound } from './run-memory-bound.ts';
import { detectSandboxMode, type SandboxMode } from './sandbox-mode.ts';
import { SandboxUnavailableError } from './sandbox-unavailable.ts';

/** Where the code sits inside the sandbox; a relative data mount goes beneath it (DrivenData's layout). */
export const CODE_MOUNT = '/code_execution';
/** The interpreter when the phase names none: the image's (PODIUM_PYTHON), else Debian's python3 with numpy, pandas, Pillow. */
export const defaultPython = (env: NodeJS.ProcessEnv = process.env): string => env.PODIUM_PYTHON || '/usr/bin/python3';

export interface SandboxLimits {
  timeLimitSeconds: number;
  memoryMiB: number;
  maxProcesses: number;
  /** Largest single file the code may write (RLIMIT_FSIZE). */
  maxFileBytes: number;
  /** What the code may write under its scratch folders (the extracted code excluded); watched, and the run killed past it. */
  maxScratchBytes: number;
  log: LogCaptureLimits;
}

/** The limits that do not depend on the phase; `sandboxLimitsFor` (sandbox-limits.ts) adds those that do. */
export const DEFAULT_SANDBOX_LIMITS: Omit<SandboxLimits, 'timeLimitSeconds' | 'memoryMiB'> = {
  maxProcesses: 256,
  maxFileBytes: 1024 * 1024 * 1024,
  maxScratchBytes: 2 * 1024 * 1024 * 1024,
  log: DEFAULT_LOG_LIMITS,
};

export interface SandboxRequest {
  /** Host folder with the extracted code; becomes the writable CODE_MOUNT and the working directory. */
  codeDir: string;
  /** Host folder with the inputs; mounted read-only at `dataMount`. */
  dataDir: string;
  /** The phase's data mount: relative to the code (`data`) or absolute (`/code_execution/data`). */
  dataMount: string;
  /** Host folder for /tmp inside the sandbox (counted in the scratch budget). */
  tmpDir: string;
  python?: string;
  limits: SandboxLimits;
  mode?: SandboxMode;
  /** The script the interpreter runs, relative to the code folder (default main.py). */
  script?: string;
  /** Arguments after the script (a scoring program's input and output paths). */
  args?: string[];
  /** GPUs the phase grants: the host's NVIDIA devices are passed through when there are any. */
  gpus?: number;
  /** How the run's memory is bounded: its own cgroup where the machine allows (default), or the process watch (tests). */
  memoryGuard?: MemoryGuard;
  /** Aborted from outside (a cancelled training job): the run is killed at once and ends `stopped`. */
  signal?: AbortSignal;
  /** Called about twice a second with the output captured so far (live logs). */
  onProgress?: (log: LogCapture) => void;
}

export type SandboxOutcome = 'exited' | 'timeout' | 'out-of-memory' | 'disk-full' | 'stopped';

export interface SandboxResult {
  outcome: SandboxOutcome;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  log: LogCapture;
  mode: SandboxMode;
  /** What bounded the run's memory. */
  memoryBound: RunMemoryBound['kind'];
  /** The most memory the run held at once (every process and RAM disk), as its bound measured it. */
  peakMemoryBytes: number;
  /** GPUs the run was given: the phase's grant where the host has NVIDIA devices, else 0. */
  gpus: number;
}

/** Where the data appears inside the sandbox. */
export function dataMountPath(dataMount: string): string {
  return isAbsolute(dataMount) ? posix.normalize(dataMount) : posix.join(CODE_MOUNT, dataMount);
}

// Signs, on the last stderr lines, that the code ran out of address space (RLIMIT_AS).
const MEMORY_EXHAUSTED = /MemoryError|Unable to allocate|Cannot allocate memory|std::bad_alloc|out of memory/i;

/** A uid per run: RLIMIT_NPROC counts per uid, and concurrent runs cannot touch each other's files. */
function sandboxUid(): number {
  return 200_000 + Math.floor(Math.random() * 60_000);
}

/** Read-only system paths; /etc only in part (shared libraries' config, time zones, alternatives). */
function systemMounts(python: string): string[] {
  const args: string[] = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    if (!existsSync(top)) continue;
    const stat = lstatSync(top);
    if (stat.isSymbolicLink()) args.push('--symlink', realpathSync(top).replace(/^\//, ''), top);
    else args.push('--ro-bind', top, top);
  }
  const pythonConfig = readdirSync('/etc').filter((name) => name.startsWith('python3'));
  for (const etc of ['alternatives', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'localtime', 'mime.types', 'ssl/openssl.cnf', ...pythonConfig]) {
    const path = join('/etc', etc);
    if (existsSync(path)) args.push('--ro-bind', path, path);
  }
  // An interpreter outside /usr (a virtualenv such as /opt/torch/.venv, pyenv): expose its
  // installation prefix read-only, and the prefix of what its symlink points at.
  const prefixes = new Set([dirname(dirname(python)), dirname(dirname(realpathSync(python)))]);
  for (const prefix of prefixes) {
    if (prefix !== '/usr' && !prefix.startsWith('/usr/')) args.push('--ro-bind', prefix, prefix);
  }
  return args;
}

/** The host's NVIDIA device nodes (/dev/nvidia0, nvidiactl, nvidia-uvm, …). */
export function nvidiaDevices(): string[] {
  try {
    return readdirSync('/dev')
      .filter((name) => name.startsWith('nvidia'))
      .map((name) => join('/dev', name))
      .filter((path) => !lstatSync(path).isDirectory());
  } catch {
    return [];
  }
}

function gpuMounts(devices: string[]): string[] {
  if (devices.length === 0) return [];
  // The CUDA driver reads PCI topology from /sys; it holds no secrets of the job.
  return [...devices.flatMap((device) => ['--dev-bind', device, device]), '--ro-bind', '/sys', '/sys'];
}

function sandboxEnvironment(): Record<string, string> {
  return {
    HOME: '/tmp',
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    MPLCONFIGDIR: '/tmp',
  };
}

function limitArgs(limits: SandboxLimits, usesGpu: boolean): string[] {
  // CUDA reserves terabytes of address space up front, so with a GPU the cap is on data (heap and
  // writable mappings) rather than on address space.
  const memory = usesGpu ? `--data=${limits.memoryMiB * 1024 * 1024}` : `--as=${limits.memoryMiB * 1024 * 1024}`;
  return ['/usr/bin/prlimit', memory, `--nproc=${limits.maxProcesses}`, `--fsize=${limits.maxFileBytes}`, '--core=0', '--'];
}

/** The descriptor on which bwrap reports, as JSON, the sandboxed process's pid. */
const BWRAP_STATUS_FD = 3;

/**
 * Inside the sandbox, once it stands, a shell says so on PROGRESS_FD, closes it and becomes the
 * interpreter: no "started" means the sandbox never came up (bwrap's own pid report comes before
 * its mounts, so it cannot tell). The competitor's code never holds the descriptor.
 */
function announceStart(command: string[]): string[] {
  return ['/bin/sh', '-c', `echo started >&${PROGRESS_FD}; exec ${PROGRESS_FD}>&-; exec "$@"`, 'sandbox-start', ...command];
}

/** The devices a phase with GPUs gets: those of the host, or none (the code then runs on the CPU). */
const gpuDevicesFor = (request: SandboxRequest): string[] => (request.gpus ? nvidiaDevices() : []);

function buildCommand(request: SandboxRequest, mode: SandboxMode, uid: number): { command: string; args: string[] } {
  const python = request.python ?? defaultPython();
  const script = [request.script ?? 'main.py', ...(request.args ?? [])];
  const gpuDevices = gpuDevicesFor(request);
  const limits = limitArgs(request.limits, gpuDevices.length > 0);
  const asRoot = process.getuid?.() === 0;
  const env = sandboxEnvironment();
  if (mode === 'bwrap') {
    const args = [
      'bwrap',
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--json-status-fd',
      String(BWRAP_STATUS_FD),
      '--hostname',
      'sandbox',
      ...systemMounts(python),
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      ...gpuMounts(gpuDevices),
      // RAM disks: /dev/shm sized to the memory limit (and charged to the run's cgroup or watched);
      // /dev and the root itself read-only, so no other tmpfs can be written.
      '--size',
      String(request.limits.memoryMiB * 1024 * 1024),
      '--tmpfs',
      '/dev/shm',
      '--remount-ro',
      '/dev',
      '--bind',
      request.tmpDir,
      '/tmp',
      '--bind',
      request.codeDir,
      CODE_MOUNT,
      '--ro-bind',
      request.dataDir,
      dataMountPath(request.dataMount),
      '--remount-ro',
      '/',
      '--chdir',
      CODE_MOUNT,
      '--clearenv',
      ...Object.entries(env).flatMap(([name, value]) => ['--setenv', name, value]),
      ...announceStart([...limits, python, ...script]),
    ];
    // Running bwrap itself as the sandbox uid: as root, a user namespace would map root onto the
    // sandbox user, which would then own (and read) every root-owned file.
    if (asRoot) return { command: 'setpriv', args: [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all', ...args] };
    return { command: 'bwrap', args: args.slice(1) };
  }
  const cleanEnv = ['-i', ...Object.entries({ ...env, HOME: request.tmpDir, TMPDIR: request.tmpDir }).map(([k, v]) => `${k}=${v}`)];
  if (mode === 'container') {
    // No namespaces here (Docker's seccomp forbids them): drop to the competitor uid with no
    // capabilities and no way to regain privileges; the launcher's environment (and with it the
    // ECS credentials URI) is not inherited.
    const competitor = ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs'];
    return { command: 'setpriv', args: [...competitor, 'env', ...cleanEnv, ...announceStart([...limits, python, ...script])] };
  }
  return { command: 'env', args: [...cleanEnv, ...announceStart([...limits, python, ...script])] };
}

/** Bytes under a folder; stops counting past `cap` (enough to know it is over). */
async function usedBytes(root: string, cap: number): Promise<number> {
  let total = 0;
  const pending = [root];
  while (pending.length > 0 && total <= cap) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        const stat = await lstat(join(dir, name));
        if (stat.isDirectory()) pending.push(join(dir, name));
        else total += stat.blocks * 512;
      } catch {
        // Deleted while walking.
      }
    }
  }
  return total;
}

async function chownTree(root: string, uid: number): Promise<void> {
  await chown(root, uid, uid);
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) await chownTree(path, uid);
    else if (entry.isFile()) await chown(path, uid, uid);
  }
}

/**
 * Without a mount namespace of its own (container, none) the data cannot be bound at the
 * phase's mount path, so a symlink to the read-only inputs stands there instead: next to main.py
 * for a relative mount (replacing any folder of that name the archive shipped), or at the absolute
 * path, which needs root (the container's launcher is root). On AWS the root file system is
 * read-only and the image's /code_execution is a link into the work volume, not yet there: the
 * folder it leads to is created first.
 */
async function linkDataMount(request: SandboxRequest): Promise<void> {
  const target = isAbsolute(request.dataMount) ? posix.normalize(request.dataMount) : join(request.codeDir, request.dataMount);
  const existing = await lstat(target).catch(() => undefined);
  if (existing) {
    if (isAbsolute(request.dataMount) && !existing.isSymbolicLink()) {
      throw new Error(`sandbox setup: ${target} exists and is not a link, so the data cannot be mounted there`);
    }
    await rm(target, { recursive: true, force: true });
  }
  await makeDirectoryThroughLinks(dirname(target));
  await symlink(request.dataDir, target);
}

/** `mkdir -p` that follows symbolic links, creating the folder a dangling one leads to. */
async function makeDirectoryThroughLinks(path: string, linksFollowed = 0): Promise<void> {
  const found = await lstat(path).catch(() => undefined);
  if (found?.isSymbolicLink()) {
    if (linksFollowed >= 40) throw new Error(`sandbox setup: too many links under ${path}`);
    return makeDirectoryThroughLinks(resolve(dirname(path), await readlink(path)), linksFollowed + 1);
  }
  if (found) return;
  await makeDirectoryThroughLinks(dirname(path), linksFollowed);
  await mkdir(path);
}

/** bwrap runs as the sandbox uid, so it must be able to reach the folders it binds. */
function assertTraversable(path: string): void {
  for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(`sandbox setup: ${dir} is not traversable by other users (mode o+x needed) so the sandbox cannot bind ${path}`);
    }
  }
}

/** Runs in flight in this process: what stopAllSandboxes kills. */
const liveRuns = new Set<{ processGroup: number; bound: RunMemoryBound }>();

/**
 * SIGKILLs every run this process started, synchronously (their process groups and cgroups): for a
 * job whose runner died, before it exits. bwrap's --die-with-parent takes the rest.
 */
export function stopAllSandboxes(): void {
  for (const run of liveRuns) {
    killGroup(run.processGroup);
    run.bound.killAll();
  }
}

function killGroup(processGroup: number): void {
  try {
    process.kill(-processGroup, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function readAll(stream: Readable | null | undefined): Promise<string> {
  if (!stream) return Promise.resolve('');
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve) => stream.once('close', () => resolve(text)));
}

/**
 * Runs `python main.py` in the code folder under bubblewrap (or the AWS container's uid boundary):
 * no network, the data read-only at the phase's mount, writable scratch only, a throw-away uid, a
 * clean environment, and limits on time (the whole process tree is killed), memory (one bound for
 * every process and RAM disk of the run), processes, file size, scratch disk and captured output.
 * Throws SandboxUnavailableError when the sandbox cannot start: the code never runs less isolated.
 */
export async function runSandboxed(request: SandboxRequest): Promise<SandboxResult> {
  const mode = request.mode ?? detectSandboxMode();
  const competitorUid = Number(process.env.PODIUM_COMPETITOR_UID);
  const uid = mode === 'container' && Number.isInteger(competitorUid) && competitorUid > 0 ? competitorUid : sandboxUid();
  const asRoot = process.getuid?.() === 0;
  await mkdir(request.tmpDir, { recursive: true });
  if (mode !== 'bwrap') await linkDataMount(request);
  if (asRoot && mode !== 'none') {
    for (const path of [request.codeDir, request.dataDir, request.tmpDir]) assertTraversable(path);
    await chownTree(request.codeDir, uid);
    await chown(request.tmpDir, uid, uid);
  }
  // The extracted code is the phase's to allow (archive limits), not the competitor's scratch.
  const codeBytes = await usedBytes(request.codeDir, Number.POSITIVE_INFINITY);
  const bound = await openMemoryBound(request.limits.memoryMiB * 1024 * 1024, request.memoryGuard);
  const sandboxed = buildCommand(request, mode, uid);
  const { command, args } = bound.enter(sandboxed.command, sandboxed.args);
  const log = new LogCapture(request.limits.log);
  const started = Date.now();
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe', mode === 'bwrap' ? 'pipe' : 'ignore', 'pipe'];
  const child = spawn(command, args, { cwd: request.codeDir, detached: true, stdio, env: {} });
  const live = { processGroup: child.pid!, bound };
  if (child.pid) liveRuns.add(live);
  child.stdout!.on('data', (chunk: Buffer) => log.writeStdout(chunk));
  child.stderr!.on('data', (chunk: Buffer) => log.writeStderr(chunk));
  const bwrapStatus = readAll(child.stdio[BWRAP_STATUS_FD] as Readable | null);
  const progress = readAll(child.stdio[PROGRESS_FD] as Readable | null);
  let sandboxPid: number | undefined;
  (child.stdio[BWRAP_STATUS_FD] as Readable | null)?.on('data', (chunk: Buffer) => {
    sandboxPid ??= Number(/"child-pid":\s*(\d+)/.exec(chunk.toString())?.[1]) || undefined;
  });

  let stoppedFor: SandboxOutcome | undefined;
  const stop = (why: SandboxOutcome) => {
    if (stoppedFor) return;
    stoppedFor = why;
    // The whole process group and the cgroup; the pid namespace takes every descendant down with its init.
    killGroup(child.pid!);
    bound.killAll();
  };
  const timer = setTimeout(() => stop('timeout'), request.limits.timeLimitSeconds * 1000);
  const abort = () => stop('stopped');
  if (request.signal?.aborted) abort();
  request.signal?.addEventListener('abort', abort);
  const ramDisks = () => {
    if (mode === 'bwrap') return sandboxPid ? [`/proc/${sandboxPid}/root/dev/shm`] : [];
    return mode === 'container' ? ['/dev/shm'] : [];
  };
  const watched = () => ({ rootPid: child.pid!, ...(asRoot && mode !== 'none' ? { uid } : {}), ramDisks: ramDisks() });
  let watching = true;
  let wake = () => {};
  const watch = (async () => {
    while (watching) {
      await new Promise<void>((resolve) => {
        const poll = setTimeout(resolve, 500);
        wake = () => (clearTimeout(poll), resolve());
      });
      if (!watching) return;
      request.onProgress?.(log);
      if (await bound.exceeded(watched())) stop('out-of-memory');
      const cap = request.limits.maxScratchBytes;
      const written = (await usedBytes(request.codeDir, codeBytes + cap)) - codeBytes + (await usedBytes(request.tmpDir, cap));
      if (written > cap) stop('disk-full');
    }
  })();

  try {
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => resolve([code, sig]));
    });
    clearTimeout(timer);
    watching = false;
    wake();
    await watch;
    log.finish();
    const reported = await progress;
    await bwrapStatus;
    if (stoppedFor === undefined && !reported.includes('started')) {
      // The code never started: the memory cgroup refused the run, or bwrap (namespaces, a mount) or setpriv failed.
      const why = log.lastStderrLine ?? `exit ${exitCode ?? signal}`;
      if (bound.kind !== 'process watch' && !reported.includes('joined')) throw new Error(`sandbox setup: the run could not enter its memory cgroup (${why})`);
      throw new SandboxUnavailableError(`${mode === 'bwrap' ? 'bubblewrap' : 'setpriv'} failed to start: ${why}`);
    }

    let outcome: SandboxOutcome = stoppedFor ?? 'exited';
    if (outcome === 'exited' && exitCode !== 0 && (await bound.exceeded(watched()))) outcome = 'out-of-memory';
    // A single process hitting its own address-space cap (the secondary, per-process guard).
    if (outcome === 'exited' && exitCode !== 0 && MEMORY_EXHAUSTED.test(log.stderrTailText)) outcome = 'out-of-memory';
    if (outcome === 'timeout') log.note(`stopped: time limit of ${request.limits.timeLimitSeconds} s reached`);
    if (outcome === 'stopped') log.note('stopped: cancelled');
    if (outcome === 'disk-full') log.note(`stopped: wrote more than ${request.limits.maxScratchBytes} bytes to disk`);
    if (outcome === 'out-of-memory')
      log.note(`stopped: memory limit of ${request.limits.memoryMiB} MiB reached (all processes and RAM disks of the run together)`);
    if (log.bytesSeen > request.limits.log.maxBytes) log.note(`output was ${log.bytesSeen} bytes; the log keeps ${request.limits.log.maxBytes}`);
    const durationMs = Date.now() - started;
    const gpus = request.gpus && gpuDevicesFor(request).length > 0 ? request.gpus : 0;
    return { outcome, exitCode, signal, durationMs, log, mode, memoryBound: bound.kind, peakMemoryBytes: await bound.peakBytes(), gpus };
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', abort);
    watching = false;
    liveRuns.delete(live);
    killGroup(child.pid!);
    await bound.release();
  }
}
