import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '#shared/context.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import { reconcileTrainingJobs } from '#shared/training/reconcile-training.ts';
import { readTrainingBudget } from '#shared/training/training-budget.ts';
import { findTrainingJob } from '#shared/training/training-job-record.ts';
import { localSettings, LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { trainingApi } from './support/training-api.ts';

/** Live processes whose command line names the job's work folder: its bwrap sandbox and what runs in it. */
async function processesOfJob(trainingJobId: string): Promise<number> {
  let count = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(`training-${trainingJobId}-`)) count++;
  }
  return count;
}

let stack: ChildProcess | undefined;
let restarted: LocalPlatform | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  if (stack && stack.exitCode === null && stack.signalCode === null) process.kill(-stack.pid!, 'SIGKILL');
  await restarted?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('kill -9 of the stack during training', () => {
  it('leaves no job running and, after a restart, the budget charged once for the time used', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'podium-training-crash-'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const env = { ...process.env, PORT: String(port), PODIUM_DATA_DIR: dataDir };
    const settings = localSettings(env);
    // The examples are seeded into the stack's own data folder (generated once, kept for the restart).
    stack = spawn(process.execPath, ['--import', 'tsx', 'test/training/support/stack-process.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const exited = new Promise((done) => stack!.once('exit', done));
    await new Promise<void>((ready, fail) => {
      stack!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('podium-stack-ready') && ready());
      stack!.once('exit', (code) => fail(new Error(`the stack exited ${code} before it served`)));
    });
    // The stack's storage, as an administrator (seeding, and reading what the jobs left).
    const ctx = createContext(
      storageConfigSchema.parse({
        ...LOCAL_STORAGE_NAMES,
        s3Endpoint: `http://${settings.host}:${settings.s3Port}`,
        dynamoEndpoint: `http://${settings.host}:${settings.dynamoPort}`,
      }),
    );
    const api = trainingApi(`http://${settings.host}:${port}`);
    const token = await api.competitor('crashes@example.org');
    const queued = await api.train(token, 'import time\nprint("epoch 1", flush=True)\ntime.sleep(300)\n');

    // Running as a job of the stack's runner, and a few heartbeats in.
    await expect.poll(async () => (await findTrainingJob(ctx, queued.id))?.status, { timeout: 120_000, interval: 200 }).toBe('RUNNING');
    await expect.poll(async () => processesOfJob(queued.id), { timeout: 60_000, interval: 200 }).toBeGreaterThan(0);
    await sleep(1500);
    process.kill(-stack.pid!, 'SIGKILL');
    await exited;
    // The job's lifeline closes with the runner: it kills its sandbox and itself.
    await expect.poll(async () => processesOfJob(queued.id), { timeout: 20_000, interval: 200 }).toBe(0);

    // The restarted stack (its storage died with it), then its reconciler once the job has been silent long enough
    // (the pass at start may already have ended it, when the restart took over a minute).
    restarted = await startLocalPlatform({ settings, reconcileIntervalMs: 0 });
    const later = { ...restarted.ctx, now: () => new Date(Date.now() + 61_000) };
    await reconcileTrainingJobs(later);
    expect(await reconcileTrainingJobs(later)).toEqual({});
    const ended = (await findTrainingJob(restarted.ctx, queued.id))!;
    expect(ended).toMatchObject({ status: 'FAILED', settledAt: expect.any(String), message: expect.stringContaining('lost this job') });
    // Charged from its start to the last heartbeat the stack recorded, once.
    const usedSeconds = Math.ceil((Date.parse(ended.lastSeenAt!) - Date.parse(ended.startedAt!)) / 1000);
    expect(usedSeconds).toBeGreaterThan(0);
    expect(await readTrainingBudget(restarted.ctx, 'tissuenet', 'learning', ended.teamId)).toMatchObject({
      usedGpuSeconds: usedSeconds,
      availableGpuSeconds: 7200 - usedSeconds,
      reservations: {},
    });
    expect(restarted.jobRunner.runningJobs()).toEqual([]);
  }, 300_000);
});
