import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { chown, lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { LogCapture, DEFAULT_LOG_LIMITS, type LogCaptureLimits } from './log-capture.ts';
import { detectSandboxMode, type SandboxMode } from './sandbox-mode.ts';

/** Where the code sits inside the sandbox; a relative data mount goes beneath it (DrivenData's layout). */
export const CODE_MOUNT = '/code_execution';
export const DEFAULT_PYTHON = '/usr/bin/python3';

export interface SandboxLimits {
  timeLimitSeconds: number;
  memoryMiB: number;
  maxProcesses: number;
  /** Largest single file the code may write (RLIMIT_FSIZE). */
  maxFileBytes: number;
  /** Everything the code may write under its scratch folders; watched, and the run killed past it. */
  maxScratchBytes: number;
  log: LogCaptureLimits;
}

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
  /** Extra arguments after main.py (tests). */
  script?: string;
}

export type SandboxOutcome = 'exited' | 'timeout' | 'out-of-memory' | 'disk-full';

export interface SandboxResult {
  outcome: SandboxOutcome;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  log: LogCapture;
  mode: SandboxMode;
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
  const resolved = realpathSync(python);
  if (!resolved.startsWith('/usr/')) {
    // An interpreter outside /usr (a virtualenv, pyenv): expose its installation prefix read-only.
    const prefix = dirname(dirname(resolved));
    args.push('--ro-bind', prefix, prefix);
  }
  return args;
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

function limitArgs(limits: SandboxLimits): string[] {
  return [
    '/usr/bin/prlimit',
    `--as=${limits.memoryMiB * 1024 * 1024}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.maxFileBytes}`,
    '--core=0',
    '--',
  ];
}

function buildCommand(request: SandboxRequest, mode: SandboxMode, uid: number): { command: string; args: string[] } {
  const python = request.python ?? DEFAULT_PYTHON;
  const script = request.script ?? 'main.py';
  const asRoot = process.getuid?.() === 0;
  // Running bwrap itself as the sandbox uid: as root, a user namespace would map root onto the
  // sandbox user, which would then own (and read) every root-owned file.
  const dropPrivileges = asRoot ? ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all'] : [];
  const env = sandboxEnvironment();
  if (mode === 'bwrap') {
    const args = [
      ...dropPrivileges.slice(1),
      'bwrap',
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--hostname',
      'sandbox',
      ...systemMounts(python),
      '--proc',
      '/proc',
      '--dev',
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
      '--chdir',
      CODE_MOUNT,
      '--clearenv',
      ...Object.entries(env).flatMap(([name, value]) => ['--setenv', name, value]),
      ...limitArgs(request.limits),
      python,
      script,
    ];
    return asRoot ? { command: 'setpriv', args } : { command: 'bwrap', args: args.slice(1) };
  }
  if (mode === 'unshare') {
    // No file-system view of its own: the code sees host paths, protected only by permissions.
    const inner = ['env', '-i', ...Object.entries({ ...env, HOME: request.tmpDir }).map(([k, v]) => `${k}=${v}`), ...limitArgs(request.limits), python, script];
    const args = ['--net', '--pid', '--fork', '--kill-child', '--ipc', '--uts', '--mount', '--mount-proc', ...(asRoot ? dropPrivileges : []), ...inner];
    return { command: 'unshare', args };
  }
  return { command: 'env', args: ['-i', ...Object.entries({ ...env, HOME: request.tmpDir }).map(([k, v]) => `${k}=${v}`), ...limitArgs(request.limits), python, script] };
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

/** bwrap runs as the sandbox uid, so it must be able to reach the folders it binds. */
function assertTraversable(path: string): void {
  for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(`sandbox setup: ${dir} is not traversable by other users (mode o+x needed) so the sandbox cannot bind ${path}`);
    }
  }
}

/**
 * Runs `python main.py` in the code folder under the strongest sandbox available: no network,
 * the data read-only at the phase's mount, writable scratch only, a throw-away uid, a clean
 * environment, and limits on time (the whole process tree is killed), memory, processes, file
 * size, scratch disk and captured output.
 */
export async function runSandboxed(request: SandboxRequest): Promise<SandboxResult> {
  const mode = request.mode ?? detectSandboxMode();
  const uid = sandboxUid();
  await mkdir(request.tmpDir, { recursive: true });
  if (process.getuid?.() === 0 && mode !== 'none') {
    for (const path of [request.codeDir, request.dataDir, request.tmpDir]) assertTraversable(path);
    await chownTree(request.codeDir, uid);
    await chown(request.tmpDir, uid, uid);
  }
  const { command, args } = buildCommand(request, mode, uid);
  const log = new LogCapture(request.limits.log);
  const started = Date.now();
  const child = spawn(command, args, { cwd: request.codeDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: {} });
  child.stdout.on('data', (chunk: Buffer) => log.writeStdout(chunk));
  child.stderr.on('data', (chunk: Buffer) => log.writeStderr(chunk));

  let stoppedFor: SandboxOutcome | undefined;
  const stop = (why: SandboxOutcome) => {
    if (stoppedFor) return;
    stoppedFor = why;
    try {
      // The whole process group; the pid namespace takes every descendant down with its init.
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => stop('timeout'), request.limits.timeLimitSeconds * 1000);
  let watching = true;
  const watchDisk = (async () => {
    while (watching) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (!watching) return;
      const used = (await usedBytes(request.codeDir, request.limits.maxScratchBytes)) + (await usedBytes(request.tmpDir, request.limits.maxScratchBytes));
      if (used > request.limits.maxScratchBytes) stop('disk-full');
    }
  })();

  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve([code, sig]));
  });
  clearTimeout(timer);
  watching = false;
  await watchDisk;
  log.finish();

  let outcome: SandboxOutcome = stoppedFor ?? 'exited';
  if (outcome === 'exited' && exitCode !== 0 && MEMORY_EXHAUSTED.test(log.stderrTailText)) outcome = 'out-of-memory';
  if (outcome === 'timeout') log.note(`stopped: time limit of ${request.limits.timeLimitSeconds} s reached`);
  if (outcome === 'disk-full') log.note(`stopped: wrote more than ${request.limits.maxScratchBytes} bytes to disk`);
  if (outcome === 'out-of-memory') log.note(`stopped: memory limit of ${request.limits.memoryMiB} MiB reached`);
  if (log.bytesSeen > request.limits.log.maxBytes) log.note(`output was ${log.bytesSeen} bytes; the log keeps ${request.limits.log.maxBytes}`);
  return { outcome, exitCode, signal, durationMs: Date.now() - started, log, mode };
}
