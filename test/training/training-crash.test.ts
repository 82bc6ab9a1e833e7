import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { storageConfigToEnv } from '#shared/storage/storage-config.ts';
import { queueTrainingJob } from '#shared/training/training-job-start.ts';
import { reconcileTrainingJobs } from '#shared/training/reconcile-training.ts';
import { readTrainingBudget, reserveTrainingBudget } from '#shared/training/training-budget.ts';
import { createTrainingJobRecord, findTrainingJob } from '#shared/training/training-job-record.ts';
import { seedTrainingFiles, tissuenet } from '../api/api-harness.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { zipFolderEntries } from './support/training-archive.ts';

let storage: StorageFixture;
beforeAll(async () => {
  storage = await startStorageFixture();
});
afterAll(() => storage.close());

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

describe('kill -9 of the worker during training', () => {
  it('leaves no job running and the budget charged once, for the time used, after the reconciler', async () => {
    const ctx = await storage.freshContext();
    const challenge = await tissuenet();
    await registerChallenge(ctx, challenge);
    await seedTrainingFiles(ctx, 'tissuenet', 'train');
    const learning = challenge.phases[0]!;
    const reservation = await reserveTrainingBudget(ctx, 'tissuenet', learning, 'team-k', 't-killed');
    const archiveKey = 'tissuenet/training/learning/team-k/t-killed/train.zip';
    await ctx.s3.send(
      new PutObjectCommand({
        Bucket: ctx.config.submissionsBucket,
        Key: archiveKey,
        Body: await zipFolderEntries({ 'train.py': 'import time\nprint("epoch 1", flush=True)\ntime.sleep(120)\n' }),
      }),
    );
    await createTrainingJobRecord(ctx, {
      id: 't-killed',
      challengeId: 'tissuenet',
      phaseId: 'learning',
      teamId: 'team-k',
      submittedBy: 'user-1',
      archiveKey,
      archiveBytes: 100,
      runSecondsLimit: reservation.runSeconds,
      budgetLimited: reservation.budgetLimited,
    });
    await queueTrainingJob(ctx, 't-killed');

    const worker = spawn(process.execPath, ['--import', 'tsx', 'test/training/support/training-worker-process.ts'], {
      env: { ...process.env, ...storageConfigToEnv(ctx.config), TEST_CHALLENGE_ID: 'tissuenet', TEST_TRAINING_JOB_ID: 't-killed' },
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise((done) => worker.once('exit', done));
    // Running, and a few heartbeats in.
    await expect.poll(async () => (await findTrainingJob(ctx, 't-killed'))?.status, { timeout: 60_000, interval: 200 }).toBe('RUNNING');
    await expect.poll(async () => processesOfJob('t-killed'), { timeout: 30_000, interval: 200 }).toBeGreaterThan(0);
    await sleep(1500);
    process.kill(-worker.pid!, 'SIGKILL');
    await exited;
    // bwrap --die-with-parent takes the sandbox with the worker.
    await expect.poll(async () => processesOfJob('t-killed'), { timeout: 10_000, interval: 200 }).toBe(0);

    const lost = (await findTrainingJob(ctx, 't-killed'))!;
    expect(lost.status).toBe('RUNNING');
    // The restarted stack's reconciler, once the job has been silent long enough.
    const later = { ...ctx, now: () => new Date(Date.parse(lost.lastSeenAt!) + 61_000) };
    expect(await reconcileTrainingJobs(later)).toEqual({ 't-killed': 'lost while running' });
    expect(await reconcileTrainingJobs(later)).toEqual({});
    const ended = (await findTrainingJob(ctx, 't-killed'))!;
    const usedSeconds = Math.ceil((Date.parse(lost.lastSeenAt!) - Date.parse(lost.startedAt!)) / 1000);
    expect(ended).toMatchObject({ status: 'FAILED', settledAt: expect.any(String) });
    expect(usedSeconds).toBeGreaterThan(0);
    expect(await readTrainingBudget(ctx, 'tissuenet', 'learning', 'team-k')).toMatchObject({
      usedGpuSeconds: usedSeconds,
      availableGpuSeconds: 7200 - usedSeconds,
      reservations: {},
    });
  }, 120_000);
});
