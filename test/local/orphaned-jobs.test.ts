import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '#shared/jobs/job-runner.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import { LocalJobRunner } from '../../local/job-runner/local-job-runner.ts';
import { LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';

/**
 * A local job's processes, its sandbox included, end with the job and with the runner: after a
 * kill -9 of the runner, on timeout and on cancel; and a runner started later kills what a
 * previous one left running.
 */
const FIXTURES = resolve(import.meta.dirname, 'fixtures');
const spawned: ChildProcess[] = [];
afterAll(() => {
  for (const child of spawned) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
});

/** A sleep duration no other process on the machine uses: it names this test's sandboxed process. */
const newMarker = () => `${7000 + Math.floor(Math.random() * 1000)}.${Math.floor(Math.random() * 1e6)}`;

async function processesWith(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(text)) pids.push(Number(name));
  }
  return pids;
}

async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Polls until `check` holds (real processes start and die; no fixed sleeps). */
async function until(check: () => Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

const config = storageConfigSchema.parse({ ...LOCAL_STORAGE_NAMES, dynamoEndpoint: 'http://127.0.0.1:9', s3Endpoint: 'http://127.0.0.1:9' });
const sleepingJob = (marker: string, timeoutSeconds = 3600): JobSpec => ({
  kind: 'inference',
  submissionId: 'sub-sleeps',
  name: 'inference-sub-sleeps-1',
  challengeId: 'c',
  phaseId: 'p',
  attempt: 1,
  shareIdentifier: 'team',
  timeoutSeconds,
  memoryMiB: 512,
  gpus: 0,
  environment: { SLEEP_MARKER: marker },
});

describe('a dead runner leaves no orphan', () => {
  it('takes the job and its sandbox down when the runner process is killed with SIGKILL', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'podium-runner-'));
    const marker = newMarker();
    const runner = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'runner-process.ts'), join(dataDir, 'running-jobs.json')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SLEEP_MARKER: marker },
      detached: true,
    });
    spawned.push(runner);
    await until(async () => (await processesWith(marker)).length > 0, 'the sandboxed sleep runs');
    const recorded = JSON.parse(await readFile(join(dataDir, 'running-jobs.json'), 'utf8')) as Record<string, number>;
    const [jobGroup] = Object.values(recorded);
    expect(await alive(jobGroup!)).toBe(true);

    runner.kill('SIGKILL');
    await until(async () => (await processesWith(marker)).length === 0 && !(await alive(jobGroup!)), 'the job and its sandbox are gone');
    expect(await processesWith(marker)).toEqual([]);
  }, 90_000);

  it('kills, at start, the job groups a previous runner recorded and left running, and nothing else', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'podium-runner-'));
    const leftoverMarker = newMarker();
    const strangerMarker = newMarker();
    // A job the crashed runner left (its group leader carries its AWS_BATCH_JOB_ID, as the runner sets it),
    // and an unrelated process that now holds a recorded group id (the id was reused).
    const leftover = spawn('sleep', [leftoverMarker], { detached: true, stdio: 'ignore', env: { AWS_BATCH_JOB_ID: 'job-left' } });
    const stranger = spawn('sleep', [strangerMarker], { detached: true, stdio: 'ignore', env: { AWS_BATCH_JOB_ID: 'someone-else' } });
    spawned.push(leftover, stranger);
    await writeFile(join(dataDir, 'running-jobs.json'), JSON.stringify({ 'job-left': leftover.pid, 'job-reused': stranger.pid }));

    const runner = new LocalJobRunner({ config, onEvent: async () => {}, processRecordFile: join(dataDir, 'running-jobs.json') });
    await until(async () => !(await alive(leftover.pid!)), 'the leftover job is killed');
    expect(await alive(stranger.pid!)).toBe(true);
    expect(JSON.parse(await readFile(join(dataDir, 'running-jobs.json'), 'utf8'))).toEqual({});
    await runner.close();
  });

  for (const ending of ['cancelled', 'timed out'] as const) {
    it(`kills the sandbox of a job that is ${ending}`, async () => {
      const marker = newMarker();
      const events: string[] = [];
      const runner = new LocalJobRunner({
        config,
        entrypoints: { inference: join(FIXTURES, 'sleeping-job.ts') },
        onEvent: async (event) => void events.push(`${event.status}${event.statusReason ? `: ${event.statusReason}` : ''}`),
      });
      const { jobId } = await runner.submit(sleepingJob(marker, ending === 'timed out' ? 12 : 3600));
      await until(async () => (await processesWith(marker)).length > 0, 'the sandboxed sleep runs');
      if (ending === 'cancelled') await runner.cancel(jobId, 'test');
      await runner.idle();
      expect(events.at(-1)).toMatch(ending === 'cancelled' ? /^FAILED: Terminated: test/ : /^FAILED: Job attempt duration exceeded timeout/);
      await until(async () => (await processesWith(marker)).length === 0, 'the sandbox is gone');
      await runner.close();
    }, 90_000);
  }
});
