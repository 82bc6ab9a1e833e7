import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One memory limit for a whole run: every process and every RAM-backed file system of it.
 *
 * - Where the machine lets us create a child cgroup (v2 with the memory controller, or v1's memory
 *   hierarchy, as root on most hosts), the run gets its own: the kernel charges anonymous memory
 *   and tmpfs/shm pages written by any of its processes to it, and OOM-kills inside it past the
 *   limit. The OOM kill counter (memory.events, memory.oom_control) says it happened.
 * - Otherwise the run's processes (descendants and every process of its throw-away uid) and its
 *   RAM disks are summed every poll, and the run is stopped when the sum passes the limit.
 */
export interface RunMemoryBound {
  readonly kind: 'cgroup v2' | 'cgroup v1' | 'process watch';
  /** The command that, run instead of `command args`, enters the bound before it execs them. */
  enter(command: string, args: string[]): { command: string; args: string[] };
  /** Whether the run went past its limit: an OOM kill in its cgroup, or the watched sum above it. */
  exceeded(run: WatchedRun): Promise<boolean>;
  /**
   * The most memory the run held at once, in bytes: the cgroup's own high-water mark
   * (memory.max_usage_in_bytes, memory.peak) where the kernel keeps one, else the largest sum seen
   * by the polls. Read before `release`.
   */
  peakBytes(): Promise<number>;
  /** SIGKILLs every process the bound holds (the cgroup's members; nothing for the watch). */
  killAll(): void;
  /** Kills what is left, waits for it to go and removes the cgroup. */
  release(): Promise<void>;
}

export interface WatchedRun {
  /** The spawned process (bwrap, setpriv or env). */
  rootPid: number;
  /** The run's throw-away uid, when it differs from ours: every process of it belongs to the run. */
  uid?: number;
  /** RAM-backed file systems the run can write (tmpfs mount points as seen from here). */
  ramDisks: string[];
}

export type MemoryGuard = 'cgroup' | 'watch';

const RUN_PREFIX = 'podium-run-';
// Far longer than between creating a run's cgroup and its shell entering it (milliseconds).
const STALE_MS = 60 * 1000;
/** The descriptor on which the run reports its progress: "joined" (its cgroup), then "started" (the sandbox). */
export const PROGRESS_FD = 4;

/** The run's memory bound: its own cgroup where the machine delegates one, else the watch. */
export async function openMemoryBound(limitBytes: number, guard: MemoryGuard = 'cgroup'): Promise<RunMemoryBound> {
  if (guard === 'cgroup') {
    const parent = ownMemoryCgroup();
    if (parent) {
      const bound = await createCgroup(parent, limitBytes).catch(() => undefined);
      if (bound) return bound;
    }
  }
  return new ProcessWatch(limitBytes);
}

interface CgroupParent {
  version: 1 | 2;
  dir: string;
}

/** Our own memory cgroup's folder, from /proc/self/cgroup and the mount table. */
export function ownMemoryCgroup(): CgroupParent | undefined {
  let membership: string;
  let mounts: string;
  try {
    membership = readFileSync('/proc/self/cgroup', 'utf8');
    mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  const mountOf = (fsType: string, option?: string) =>
    mounts
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => {
        const dash = fields.indexOf('-');
        return dash > 0 && fields[dash + 1] === fsType && (!option || (fields[dash + 3] ?? '').split(',').includes(option));
      });
  const under = (mount: string[] | undefined, path: string) => {
    if (!mount) return undefined;
    const [root, point] = [mount[3]!, mount[4]!];
    const relative = root !== '/' && path.startsWith(root) ? path.slice(root.length) : path;
    return join(point, relative);
  };
  for (const line of membership.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (controllers!.split(',').includes('memory')) {
      const dir = under(mountOf('cgroup', 'memory'), path);
      if (dir && existsSync(join(dir, 'memory.limit_in_bytes'))) return { version: 1, dir };
    }
  }
  const unified = /^0::(.*)$/m.exec(membership)?.[1];
  if (unified !== undefined) {
    const dir = under(mountOf('cgroup2'), unified);
    if (dir && readText(join(dir, 'cgroup.controllers')).split(/\s+/).includes('memory')) return { version: 2, dir };
  }
  return undefined;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Empty run cgroups a killed job left behind (a busy one refuses rmdir, so a live run is safe). */
function sweepStale(parent: string): void {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(RUN_PREFIX)) continue;
    try {
      if (Date.now() - statSync(join(parent, name)).mtimeMs > STALE_MS) rmdirSync(join(parent, name));
    } catch {
      // Busy or already gone.
    }
  }
}

async function createCgroup(parent: CgroupParent, limitBytes: number): Promise<RunMemoryBound> {
  sweepStale(parent.dir);
  if (parent.version === 2 && !readText(join(parent.dir, 'cgroup.subtree_control')).split(/\s+/).includes('memory')) {
    // Fails (EBUSY) where our cgroup holds processes itself: then the watch is used.
    await writeFile(join(parent.dir, 'cgroup.subtree_control'), '+memory');
  }
  const dir = join(parent.dir, `${RUN_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir);
  try {
    if (parent.version === 1) {
      await writeFile(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
      // No swap either, where the kernel accounts it (must come after the memory limit).
      await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), String(limitBytes)).catch(() => undefined);
    } else {
      await writeFile(join(dir, 'memory.max'), String(limitBytes));
      await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
      // One OOM kill takes the whole run, not just its largest process.
      await writeFile(join(dir, 'memory.oom.group'), '1').catch(() => undefined);
    }
  } catch (error) {
    await rmdir(dir).catch(() => undefined);
    throw error;
  }
  return new RunCgroup(parent.version, dir, limitBytes);
}

class RunCgroup implements RunMemoryBound {
  readonly kind;

  constructor(
    private readonly version: 1 | 2,
    private readonly dir: string,
    private readonly limitBytes: number,
  ) {
    this.kind = version === 1 ? ('cgroup v1' as const) : ('cgroup v2' as const);
  }

  enter(command: string, args: string[]) {
    // The shell moves itself into the cgroup, reports it on PROGRESS_FD and becomes the command.
    const script = `echo $$ > "$0" || exit 1; echo joined >&${PROGRESS_FD}; exec "$@"`;
    return { command: '/bin/sh', args: ['-c', script, join(this.dir, 'cgroup.procs'), command, ...args] };
  }

  private sampledPeak = 0;

  async exceeded(): Promise<boolean> {
    // memory.peak is recent (Linux 5.19): older v2 kernels only show the current usage, sampled here.
    const current = Number(await readFile(join(this.dir, this.version === 1 ? 'memory.usage_in_bytes' : 'memory.current'), 'utf8').catch(() => '0'));
    if (current > this.sampledPeak) this.sampledPeak = current;
    return (await this.oomKills()) > 0;
  }

  async peakBytes(): Promise<number> {
    const peak = Number(await readFile(join(this.dir, this.version === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak'), 'utf8').catch(() => '0'));
    return Math.max(Number.isFinite(peak) ? peak : 0, this.sampledPeak);
  }

  private async oomKills(): Promise<number> {
    const file = this.version === 1 ? 'memory.oom_control' : 'memory.events';
    const text = await readFile(join(this.dir, file), 'utf8').catch(() => '');
    const kills = /^oom_kill (\d+)/m.exec(text);
    if (kills) return Number(kills[1]);
    // Kernels before 4.13 have no counter: having reached the limit is the sign.
    const peak = Number(await readFile(join(this.dir, this.version === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak'), 'utf8').catch(() => '0'));
    return peak >= this.limitBytes ? 1 : 0;
  }

  private members(): number[] {
    return readText(join(this.dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
  }

  killAll(): void {
    if (this.version === 2 && existsSync(join(this.dir, 'cgroup.kill'))) {
      try {
        writeFileSync(join(this.dir, 'cgroup.kill'), '1');
        return;
      } catch {
        // Fall through to killing members one by one.
      }
    }
    for (const pid of this.members()) killPid(pid);
  }

  async release(): Promise<void> {
    for (let tries = 0; tries < 100; tries++) {
      this.killAll();
      if (this.members().length === 0) {
        try {
          await rmdir(this.dir);
          return;
        } catch {
          // Members exiting; try again.
        }
      }
      await sleep(50);
    }
    // Left for sweepStale.
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Sums the run's processes' private and shared-memory pages and its RAM disks' usage. */
class ProcessWatch implements RunMemoryBound {
  readonly kind = 'process watch' as const;

  private observedPeak = 0;

  constructor(private readonly limitBytes: number) {}

  enter(command: string, args: string[]) {
    return { command, args };
  }

  async peakBytes(): Promise<number> {
    return this.observedPeak;
  }

  async exceeded(run: WatchedRun): Promise<boolean> {
    let total = 0;
    for (const disk of run.ramDisks) {
      try {
        const stats = await statfs(disk);
        total += (stats.blocks - stats.bfree) * stats.bsize;
      } catch {
        // Not mounted (yet, or any more).
      }
    }
    for (const pid of await runProcesses(run)) total += await processMemory(pid);
    if (total > this.observedPeak) this.observedPeak = total;
    return total > this.limitBytes;
  }

  killAll(): void {}

  async release(): Promise<void> {}
}

/** The run's processes: descendants of its root, and every process of its throw-away uid. */
async function runProcesses(run: WatchedRun): Promise<number[]> {
  const parents = new Map<number, number>();
  const ofRunUid: number[] = [];
  for (const name of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    parents.set(pid, ppid);
    if (run.uid !== undefined && Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1) === run.uid) ofRunUid.push(pid);
  }
  const members = new Set<number>([run.rootPid, ...ofRunUid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!members.has(pid) && members.has(ppid)) {
        members.add(pid);
        grew = true;
      }
    }
  }
  return [...members].filter((pid) => parents.has(pid));
}

/** Anonymous and shared-memory pages, proportionally shared between forked processes (PSS). */
async function processMemory(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const kib = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  if (/^Pss_Anon:/m.test(rollup)) return (kib(rollup, 'Pss_Anon') + kib(rollup, 'Pss_Shmem')) * 1024;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return (kib(status, 'RssAnon') + kib(status, 'RssShmem')) * 1024;
}
