import { setTimeout as sleep } from 'node:timers/promises';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { DEFAULT_SANDBOX_LIMITS, runSandboxed, type SandboxLimits } from '#shared/sandbox/run-sandboxed.ts';
import { ownMemoryCgroup, type MemoryGuard } from '#shared/sandbox/run-memory-bound.ts';
import { detectSandboxMode, type SandboxMode } from '#shared/sandbox/sandbox-mode.ts';
import { SandboxUnavailableError } from '#shared/sandbox/sandbox-unavailable.ts';

let root: string;
let server: Server;
let serverPort: number;
let connections = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'podium-sandbox-'));
  // The sandbox uid must be able to traverse to the folders it binds, as in the inference job's work dir.
  await chmod(root, 0o711);
  server = createServer((socket) => {
    connections++;
    socket.end('hello from the host\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverPort = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const limits = (overrides: Partial<SandboxLimits> = {}): SandboxLimits => ({ ...DEFAULT_SANDBOX_LIMITS, timeLimitSeconds: 20, memoryMiB: 1024, ...overrides });

/** Lays out a run like the inference job does: code, data (with labels next to it on the host), tmp. */
async function run(
  mainPy: string,
  options: {
    dataMount?: string;
    limits?: Partial<SandboxLimits>;
    mode?: SandboxMode;
    memoryGuard?: MemoryGuard;
    extractedBytes?: number;
    dataDir?: string;
  } = {},
) {
  const runDir = await mkdtemp(join(root, 'run-'));
  await chmod(runDir, 0o711);
  const codeDir = join(runDir, 'code');
  const dataDir = join(runDir, 'inputs');
  await mkdir(codeDir);
  await mkdir(dataDir);
  await writeFile(join(codeDir, 'main.py'), mainPy);
  // What the archive shipped besides main.py (model weights): incompressible, so it takes real blocks.
  if (options.extractedBytes) await writeFile(join(codeDir, 'weights.bin'), randomBytes(options.extractedBytes));
  await writeFile(join(dataDir, 'submission_format.csv'), 'filename,0\nslide_1.pgm,0\n');
  await writeFile(join(runDir, 'labels.csv'), 'filename,label\nslide_1.pgm,3\n');
  const result = await runSandboxed({
    codeDir,
    dataDir: options.dataDir ?? dataDir,
    dataMount: options.dataMount ?? 'data',
    tmpDir: join(runDir, 'tmp'),
    limits: limits(options.limits),
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.memoryGuard ? { memoryGuard: options.memoryGuard } : {}),
  });
  return { ...result, runDir, codeDir, text: result.log.text() };
}

/** Processes still alive that belong to sandbox uids (the runner's throw-away range), once the kernel has reaped them. */
async function sandboxProcesses(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    if ((await countSandboxProcesses()) === 0) return 0;
    await sleep(100);
  }
  return countSandboxProcesses();
}

async function countSandboxProcesses(): Promise<number> {
  let count = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    if (uid >= 200_000 && uid < 260_000) count++;
  }
  return count;
}

describe('sandbox: no network', () => {
  it('cannot reach a TCP server on the host loopback, resolve names, or reach the cloud metadata endpoint', async () => {
    const result = await run(`
import socket
for host, port in [("127.0.0.1", ${serverPort}), ("169.254.169.254", 80)]:
    try:
        socket.create_connection((host, port), timeout=2).recv(100); print("REACHED", host)
    except OSError as e: print("blocked", host, type(e).__name__)
try:
    socket.getaddrinfo("example.com", 443); print("RESOLVED")
except OSError as e: print("dns blocked", type(e).__name__)
`);
    expect(result.exitCode).toBe(0);
    expect(result.text).toMatch(/blocked 127\.0\.0\.1/);
    expect(result.text).toMatch(/blocked 169\.254\.169\.254/);
    expect(result.text).toMatch(/dns blocked/);
    expect(result.text).not.toMatch(/REACHED|RESOLVED/);
    expect(connections).toBe(0);
  });
});

describe('sandbox: file system', () => {
  it('sees the data read-only at a relative mount, and nothing else of the host: labels beside it, the repo, /root', async () => {
    const result = await run(`
import os
print("data:", sorted(os.listdir("data")))
for path in ["../labels.csv", "/labels.csv", "${process.cwd()}/package.json", "/root/.bashrc", "/etc/shadow"]:
    try:
        open(path).read(); print("READ", path)
    except OSError as e: print("denied", path, type(e).__name__)
try:
    open("data/forged.csv", "w")
except OSError as e: print("data read-only", e.errno)
open("submission.csv", "w").write("filename,0\\n")
`);
    expect(result.exitCode).toBe(0);
    expect(result.text).toContain("data: ['submission_format.csv']");
    expect(result.text).not.toContain('READ');
    expect(result.text).toContain('data read-only 30');
    expect(await readFile(join(result.codeDir, 'submission.csv'), 'utf8')).toBe('filename,0\n');
  });

  it("mounts the data at an absolute path like VisioMel's /code_execution/data", async () => {
    const result = await run('import os; print(sorted(os.listdir("/code_execution/data")))', { dataMount: '/code_execution/data' });
    expect(result.text).toContain("['submission_format.csv']");
  });

  it('runs as a non-root user with a clean environment: no AWS credentials or host variables', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'host-secret-must-not-leak';
    try {
      const result = await run('import os; print("uid", os.getuid()); print("\\n".join(f"{k}={v}" for k, v in os.environ.items()))');
      expect(result.text).not.toContain('host-secret-must-not-leak');
      expect(result.text).not.toMatch(/^AWS_/m);
      expect(result.text).not.toMatch(/^PODIUM_/m);
      expect(Number(/uid (\d+)/.exec(result.text)?.[1])).toBeGreaterThan(0);
    } finally {
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });
});

describe('sandbox: limits', () => {
  it('stops code that sleeps forever at the time limit, killing its whole process tree', async () => {
    const result = await run('import subprocess, time\nsubprocess.Popen(["sleep", "600"])\ntime.sleep(600)', { limits: { timeLimitSeconds: 2 } });
    expect(result.outcome).toBe('timeout');
    expect(result.text).toContain('time limit of 2 s');
    expect(await sandboxProcesses()).toBe(0);
  });

  it('reports running out of memory as out-of-memory', async () => {
    const result = await run('blob = bytearray(600 * 1024 * 1024)\nprint(len(blob))', { limits: { memoryMiB: 256 } });
    expect(result.outcome).toBe('out-of-memory');
    expect(result.text).toContain('memory limit of 256 MiB');
  });

  it('contains a fork bomb and leaves no process behind', async () => {
    const result = await run('import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass', {
      limits: { timeLimitSeconds: 3, maxProcesses: 32 },
    });
    expect(result.outcome).toBe('timeout');
    expect(await sandboxProcesses()).toBe(0);
  });

  it('stops code that fills the disk', async () => {
    const result = await run('import time\nfor i in range(100):\n    open(f"chunk{i}", "wb").write(b"x" * 1024 * 1024)\n    time.sleep(0.05)', {
      limits: { maxScratchBytes: 8 * 1024 * 1024 },
    });
    expect(result.outcome).toBe('disk-full');
  });

  it('does not count the extracted code against the scratch budget: a large archive whose code writes nothing runs', async () => {
    const scratch = { maxScratchBytes: 8 * 1024 * 1024 };
    const idle = await run('print("nothing written")', { extractedBytes: 24 * 1024 * 1024, limits: scratch });
    expect(idle.outcome).toBe('exited');
    expect(idle.exitCode).toBe(0);
    const writer = await run('import time\nfor i in range(100):\n    open(f"chunk{i}", "wb").write(b"x" * 1024 * 1024)\n    time.sleep(0.05)', {
      extractedBytes: 24 * 1024 * 1024,
      limits: scratch,
    });
    expect(writer.outcome).toBe('disk-full');
    expect(writer.text).toContain(`wrote more than ${8 * 1024 * 1024} bytes to disk`);
  });

  it('refuses a single file over the output-size limit', async () => {
    const result = await run('open("big.bin", "wb").write(b"x" * 5 * 1024 * 1024)', { limits: { maxFileBytes: 1024 * 1024 } });
    expect(result.exitCode).not.toBe(0);
    expect(result.log.lastStderrLine).toMatch(/File too large/);
  });

  it('caps huge output, keeping its start and its final error, with terminal escapes stripped', async () => {
    const result = await run(
      'import sys\nprint("\\x1b[2J\\x1b]0;pwned\\x07first line\\x07")\nfor i in range(200000):\n    print("x" * 100)\nprint("y" * 100000)\nraise ' +
        'SystemExit("final error")',
      { limits: { log: { maxBytes: 64 * 1024, headBytes: 8 * 1024, maxLineChars: 500 } } },
    );
    expect(result.text.length).toBeLessThan(70 * 1024);
    expect(result.text.startsWith('first line\n')).toBe(true);
    expect(result.text).toMatch(/bytes of output dropped/);
    expect(result.text).toContain('line cut at 500 characters');
    expect(result.log.lastStderrLine).toBe('final error');
    // eslint-disable-next-line no-control-regex
    expect(result.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });
});

describe('sandbox availability: no silent downgrade', () => {
  const bwrapFails = () => ({ ok: false as const, why: 'bwrap: No permissions to create new namespace' });
  const bwrapWorks = () => ({ ok: true as const });

  it('refuses with what to install when bubblewrap does not start, and never picks a weaker mode', () => {
    expect(() => detectSandboxMode({}, bwrapFails)).toThrow(SandboxUnavailableError);
    expect(() => detectSandboxMode({}, bwrapFails)).toThrow(/No permissions to create new namespace.*apt-get install bubblewrap.*user namespaces.*root/);
    expect(() => detectSandboxMode({ PODIUM_SANDBOX: 'bwrap', PODIUM_UNSAFE_NO_SANDBOX: '1' }, bwrapFails)).toThrow(SandboxUnavailableError);
    expect(() => detectSandboxMode({ PODIUM_SANDBOX: 'unshare' }, bwrapWorks)).toThrow(
      /PODIUM_SANDBOX=unshare is not a sandbox mode: use bwrap, container, none/,
    );
    expect(() => detectSandboxMode({ PODIUM_SANDBOX: 'none' }, bwrapWorks)).toThrow(SandboxUnavailableError);
    expect(detectSandboxMode({}, bwrapWorks)).toBe('bwrap');
  });

  it('runs without isolation only when PODIUM_UNSAFE_NO_SANDBOX=1 says so', () => {
    expect(detectSandboxMode({ PODIUM_UNSAFE_NO_SANDBOX: '1' }, bwrapFails)).toBe('none');
    expect(detectSandboxMode({ PODIUM_UNSAFE_NO_SANDBOX: '1' }, bwrapWorks)).toBe('bwrap');
  });

  it("ends a run whose bubblewrap cannot set up with SandboxUnavailableError, not as the competitor's failure", async () => {
    await expect(run('print("ran")', { dataDir: join(root, 'no-such-inputs') })).rejects.toThrow(SandboxUnavailableError);
    await expect(run('print("ran")', { dataDir: join(root, 'no-such-inputs') })).rejects.toThrow(/bubblewrap failed to start: bwrap: Can't find source path/);
  });
});

// One bound for the whole run: the kernel's (a cgroup of its own) where the machine delegates
// one, else the watch over its processes and RAM disks. Memory kept modest: the test host is small.
describe('sandbox: one memory bound per run', () => {
  const holders = (count: number, mib: number, seconds: number) => `
import subprocess, sys, time
hold = "import time\\nb = bytes([1]) * (${mib} << 20)\\nprint('holding', flush=True)\\ntime.sleep(${seconds})"
children = [subprocess.Popen([sys.executable, "-c", hold]) for _ in range(${count - 1})]
b = bytes([1]) * (${mib} << 20)
for child in children:
    child.wait()
print("all held together")
`;

  it.runIf(ownMemoryCgroup())('gives the run its own cgroup where the machine delegates one', async () => {
    const result = await run('print("ok")');
    expect(result.memoryBound).toMatch(/^cgroup v[12]$/);
  });

  it('stops three processes that each stay under the limit but together pass it', async () => {
    const result = await run(holders(3, 1536, 8), { limits: { memoryMiB: 2048, timeLimitSeconds: 60 } });
    expect(result.outcome).toBe('out-of-memory');
    expect(result.text).not.toContain('all held together');
    expect(result.text).toContain('memory limit of 2048 MiB reached (all processes and RAM disks of the run together)');
    expect(await sandboxProcesses()).toBe(0);
  });

  for (const memoryGuard of ['cgroup', 'watch'] as const) {
    it(`measures the run's peak memory, two processes together (${memoryGuard})`, async () => {
      const result = await run(holders(2, 100, 2), { limits: { memoryMiB: 1024, timeLimitSeconds: 60 }, memoryGuard });
      expect(result.outcome).toBe('exited');
      expect(result.text).toContain('all held together');
      // Two processes of 100 MiB each were held at once; the interpreters add their own few MiB.
      expect(result.peakMemoryBytes).toBeGreaterThanOrEqual(190 * 1024 * 1024);
      expect(result.peakMemoryBytes).toBeLessThan(1024 * 1024 * 1024);
      expect(result.gpus).toBe(0);
    });
  }

  it('stops them too where no cgroup is delegated (the process watch)', async () => {
    const result = await run(holders(3, 300, 30), { limits: { memoryMiB: 512, timeLimitSeconds: 60 }, memoryGuard: 'watch' });
    expect(result.memoryBound).toBe('process watch');
    expect(result.outcome).toBe('out-of-memory');
    expect(result.text).not.toContain('all held together');
    expect(await sandboxProcesses()).toBe(0);
  });

  for (const memoryGuard of ['cgroup', 'watch'] as const) {
    it(`counts the RAM disks: 1.2 GB written to /dev/shm under 1024 MiB is stopped or refused (${memoryGuard})`, async () => {
      const result = await run(
        `
for path in ["/fill", "/dev/fill"]:
    try:
        open(path, "wb").write(b"x"); print("WROTE", path)
    except OSError as e: print("refused", path, e.strerror)
chunk = bytes([1]) * (64 << 20)
for i in range(19):
    open(f"/dev/shm/fill{i}", "wb").write(chunk)
print("WROTE 1.2 GB to /dev/shm")
`,
        { limits: { memoryMiB: 1024, timeLimitSeconds: 60 }, memoryGuard },
      );
      expect(result.text).toContain('refused /fill Read-only file system');
      expect(result.text).toContain('refused /dev/fill Read-only file system');
      expect(result.text).not.toContain('WROTE');
      const refused = result.exitCode !== 0 && /No space left on device/.test(result.text);
      expect(result.outcome === 'out-of-memory' || refused).toBe(true);
    });
  }
});

// The AWS Batch inference container cannot create namespaces (Docker's seccomp profile), so there
// the launcher drops to the competitor uid instead; the container and its network are the outer wall.
describe.runIf(process.getuid?.() === 0)('sandbox: container mode (the AWS launcher)', () => {
  it('runs as the competitor uid, without capabilities, credentials or the launcher environment', async () => {
    process.env.PODIUM_COMPETITOR_UID = '10001';
    process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI = '/v2/credentials/secret-id';
    process.env.AWS_SECRET_ACCESS_KEY = 'launcher-secret';
    try {
      const result = await run(
        `
import os
print("uid", os.getuid(), "euid", os.geteuid())
print("caps", [l for l in open("/proc/self/status") if l.startswith("CapEff")][0].split()[1])
print("aws", sorted(k for k in os.environ if k.startswith(("AWS", "ECS"))))
print("launcher env readable:", os.access("/proc/1/environ", os.R_OK))
try:
    open("/root/.bashrc").read(); print("READ ROOT FILE")
except OSError as e: print("root files blocked", type(e).__name__)
print(open("data/submission_format.csv").read().splitlines()[0])
try:
    open("data/forged.csv", "w"); print("WROTE DATA")
except OSError as e: print("data write blocked", type(e).__name__)
`,
        { mode: 'container' },
      );
      expect(result.exitCode).toBe(0);
      expect(result.text).toContain('uid 10001 euid 10001');
      expect(result.text).toContain('caps 0000000000000000');
      expect(result.text).toContain('aws []');
      expect(result.text).toContain('launcher env readable: False');
      expect(result.text).not.toContain('READ ROOT FILE');
      expect(result.text).toContain('filename,0');
      expect(result.text).toContain('data write blocked');
      expect(result.text).not.toContain('launcher-secret');
    } finally {
      delete process.env.PODIUM_COMPETITOR_UID;
      delete process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it("links an absolute data mount through the image's dangling link into the work volume (AWS: read-only root)", async () => {
    // The image's /code_execution leads into the job's work volume, where nothing exists yet; the
    // same layout here, under a folder of this test's own.
    const imageRoot = await mkdtemp(join(root, 'image-'));
    await chmod(imageRoot, 0o755);
    const workVolume = join(imageRoot, 'workspace');
    await mkdir(workVolume, { mode: 0o755 });
    await symlink(join(workVolume, 'code_execution'), join(imageRoot, 'code_execution'));
    process.env.PODIUM_COMPETITOR_UID = '10001';
    try {
      const dataMount = join(imageRoot, 'code_execution', 'data');
      const result = await run(`print(open(${JSON.stringify(`${dataMount}/submission_format.csv`)}).read().splitlines()[0])`, { mode: 'container', dataMount });
      expect(result.exitCode).toBe(0);
      expect(result.text).toContain('filename,0');
      expect((await lstat(join(workVolume, 'code_execution', 'data'))).isSymbolicLink()).toBe(true);
    } finally {
      delete process.env.PODIUM_COMPETITOR_UID;
    }
  });
});
