import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliUser, type CliRunner } from './run-cli.ts';

let work: string;
let organiser: CliRunner;
let challengeDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-test-submission-'));
  organiser = await cliUser('http://127.0.0.1:9');
  challengeDir = join(work, 'demo');
  expect((await organiser.run(['init', challengeDir])).code).toBe(0);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function submissionFolder(name: string, mainPy: string): Promise<string> {
  const folder = join(work, name);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'main.py'), mainPy);
  return folder;
}

const run = (source: string, ...extra: string[]) => organiser.run(['test-submission', source, '--definition', challengeDir, '--phase', 'main', ...extra]);

describe('podium test-submission', () => {
  it('runs the baseline in the sandbox on the smoke data, prints its log, checks and scores the predictions', async () => {
    const result = await run(join(challengeDir, 'baseline'));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('wrote 6 predictions');
    expect(result.stdout).toContain('✓ submission.csv: 6 rows match the submission format');
    expect(result.stdout).toMatch(/log-loss on these 6 rows, overall: 0\.\d{4}\n/);
  });

  it('keeps the predictions of a run on the test folder, with public and private scores', async () => {
    const kept = join(work, 'predictions.csv');
    const result = await organiser.run([
      '--json',
      'test-submission',
      join(challengeDir, 'baseline'),
      '--definition',
      challengeDir,
      '--phase',
      'main',
      '--data',
      join(challengeDir, 'data', 'test'),
      '--out',
      kept,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ status: 'PASSED', rows: 30, score: { rows: 30, public: expect.any(Number), private: expect.any(Number) } });
    const scored = await organiser.run([
      '--json',
      'score',
      '--challenge',
      challengeDir,
      '--phase',
      'main',
      kept,
      join(challengeDir, 'data', 'test', 'labels.csv'),
    ]);
    expect(scored.json<{ scores: { overall: number } }>().scores.overall).toBeCloseTo(result.json<{ score: { overall: number } }>().score.overall, 10);
  });

  it("warns, naming the runtime, when this machine's Python differs from the phase's runtime, and points at --container", async () => {
    const result = await run(join(challengeDir, 'baseline'));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning: \S*python3 is not the phase's runtime podium\/cpu:1/);
    // Debian's python3 on the test machines has no PyTorch at the runtime's version (torch 2.5.1+cpu).
    expect(result.stderr).toMatch(/torch (missing here|\S+ here), 2\.5\.1\+cpu in podium\/cpu:1/);
    expect(result.stderr).toContain('with --container');
  });

  it('with --container and neither podman nor docker, says what to install and runs on the host with a warning', async () => {
    // A PATH with what the host sandbox needs and no container engine.
    // Its own folder, traversable by the sandbox uid, which looks its tools up on this PATH too.
    const bin = await mkdtemp(join(tmpdir(), 'podium-bin-without-engines-'));
    await chmod(bin, 0o755);
    for (const tool of ['bwrap', 'setpriv', 'env', 'sh', 'true']) {
      const found = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].map((dir) => join(dir, tool)).find((path) => existsSync(path));
      if (found) await symlink(found, join(bin, tool));
    }
    const result = await organiser.run(['test-submission', join(challengeDir, 'baseline'), '--definition', challengeDir, '--phase', 'main', '--container'], {
      env: { PATH: bin },
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain('--container needs podman or docker');
    expect(result.stderr).toContain('apt-get install podman');
    expect(result.stdout).toContain('wrote 6 predictions');
    expect(result.stdout).toMatch(/ran in .* in the \w+ sandbox/);
    await rm(bin, { recursive: true, force: true });
  });

  it('shows the traceback of a crash and exits 4 with the USER_ERROR the platform would give', async () => {
    const folder = await submissionFolder('crash', 'print("loading model")\nraise RuntimeError("weights not found")\n');
    const result = await run(folder);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('loading model');
    expect(result.stdout).toContain('Traceback');
    expect(result.stdout).toContain('✗ USER_ERROR: main.py exited with code 1: RuntimeError: weights not found');
  });

  it('has no network, like the platform', async () => {
    const folder = await submissionFolder(
      'network',
      'import socket\nsocket.create_connection(("1.1.1.1", 80), timeout=3)\nopen("submission.csv", "w").write("case_id,positive\\n")\n',
    );
    const result = await organiser.run(['--json', 'test-submission', folder, '--definition', challengeDir, '--phase', 'main']);
    expect(result.code).toBe(4);
    expect(result.json()).toMatchObject({ status: 'FAILED', failure: { reason: 'USER_ERROR' } });
    expect(result.json<{ log: string }>().log).toMatch(/OSError|unreachable|Network/i);
  });

  it('refuses predictions that do not match the format, with counts', async () => {
    const folder = await submissionFolder(
      'bad-csv',
      'import csv\nrows = list(csv.DictReader(open("data/submission_format.csv")))\nwith open("submission.csv", "w") as f:\n    ' +
        'f.write("case_id,positive\\n")\n    for row in rows[1:]:\n        f.write(row["case_id"] + ",2\\n")\n',
    );
    const result = await run(folder);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('✗ PREDICTIONS_INVALID');
    expect(result.stdout).toContain('1 expected id is missing (of 6)');
    expect(result.stdout).toContain('5 values are out of range');
  });

  it('says where to get the smoke data when it is missing', async () => {
    const result = await organiser.run([
      'test-submission',
      join(challengeDir, 'baseline'),
      '--definition',
      challengeDir,
      '--phase',
      'main',
      '--data',
      join(work, 'nowhere'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not a folder');
    expect(result.stderr).toContain('podium download');
  });

  it("extracts a .zip with the platform's rules: one top-level folder is stripped, escaping paths are refused", async () => {
    const nested = join(work, 'nested.zip');
    const unsafe = join(work, 'unsafe.zip');
    const baseline = join(challengeDir, 'baseline', 'main.py');
    execFileSync('python3', [
      '-c',
      `
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write(sys.argv[3], "my-model/main.py")
with zipfile.ZipFile(sys.argv[2], "w") as z:
    z.write(sys.argv[3], "main.py")
    z.writestr("../../outside.txt", "x")
`,
      nested,
      unsafe,
      baseline,
    ]);
    const ok = await run(nested);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('wrote 6 predictions');

    const refused = await organiser.run(['--json', 'test-submission', unsafe, '--definition', challengeDir, '--phase', 'main']);
    expect(refused.code).toBe(4);
    expect(refused.json()).toMatchObject({ status: 'FAILED', failure: { reason: 'ARCHIVE_UNSAFE_PATH' } });
  });

  it('leaves symlinks out of a zipped folder, as the platform would refuse them', async () => {
    const folder = join(work, 'with-link');
    await mkdir(folder, { recursive: true });
    await copyFile(join(challengeDir, 'baseline', 'main.py'), join(folder, 'main.py'));
    await symlink('/etc/hostname', join(folder, 'weights.bin'));
    const result = await run(folder);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain('left out (symlinks are refused by the platform): weights.bin');
  });
});
