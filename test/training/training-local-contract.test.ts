import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainingBudget } from '#shared/training/training-budget.ts';
import { findTrainingJob } from '#shared/training/training-job-record.ts';
import type { TrainingJobView } from '#shared/training/training-job-view.ts';
import { TRAINING_SPEC_ENV } from '#shared/training/training-run-spec.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { localSettings } from '../../local/local-config.ts';
import { trainingApi } from './support/training-api.ts';

/**
 * `npm start`'s training path: the API submits the phase's training job definition to the local
 * job runner as it calls SubmitJob on AWS (under its own role's Batch permissions), the job runs as
 * a process of the runner with only that definition's environment and its calls evaluated as the
 * training role, and its end is recorded by the same state-change handler as Batch's events.
 */
let platform: LocalPlatform;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'podium-training-local-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir }, reconcileIntervalMs: 0, trainingHeartbeatMs: 200 });
}, 300_000);
afterAll(async () => {
  await platform?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const api = () => trainingApi(platform.apiUrl);
const jobOf = (token: string, id: string) => api().job(token, id);
const logOf = (token: string, id: string) => api().log(token, id);

describe('training on the local stack, under the synthesized training job definition', () => {
  it('runs as a job of the local runner, charged by the second from its own result, with its log and outputs', async () => {
    const token = await api().competitor('trains-locally@example.org');
    const trainPy = [
      'import os',
      'from pathlib import Path',
      'rows = Path("data/train/train_labels.csv").read_text().splitlines()',
      'print(f"training on {len(rows) - 1} rows", flush=True)',
      // The launcher's environment (the role's stand-in credentials, the run spec) never reaches train.py.
      `print("spec visible" if "${TRAINING_SPEC_ENV}" in os.environ or "AWS_SECRET_ACCESS_KEY" in os.environ else "spec hidden")`,
      'Path("outputs/model.txt").write_text("weights")',
    ].join('\n');
    const queued = await api().train(token, trainPy);
    await expect.poll(async () => (await jobOf(token, queued.id)).status, { timeout: 120_000, interval: 250 }).toBe('SUCCEEDED');

    // Submitted as SubmitJob would be: the phase's training definition, queue and the team's share.
    const record = (await findTrainingJob(platform.ctx, queued.id))!;
    const [described] = await platform.jobRunner.describe([record.batchJobId!]);
    expect(described).toMatchObject({ status: 'SUCCEEDED' });
    const ended = await jobOf(token, queued.id);
    expect(ended).toMatchObject({ outputs: [{ path: 'model.txt', bytes: 7 }] });
    expect(await logOf(token, queued.id)).toEqual(expect.arrayContaining(['training on 120 rows', 'spec hidden']));
    const budget = await readTrainingBudget(platform.ctx, 'tissuenet', 'learning', record.teamId);
    expect(budget).toMatchObject({ usedGpuSeconds: Math.ceil(ended.runSeconds!), reservations: {} });
  }, 180_000);

  it('shows the log while train.py runs, and a cancel (TerminateJob) keeps what outputs/ held, charged up to the cancel', async () => {
    const token = await api().competitor('cancels-locally@example.org');
    const trainPy = [
      'import time',
      'from pathlib import Path',
      'Path("outputs/checkpoint.txt").write_text("epoch 1")',
      'print("epoch 1 done", flush=True)',
      'time.sleep(300)',
    ].join('\n');
    const queued = await api().train(token, trainPy);
    // Live: the log so far, while the job is still RUNNING.
    await expect.poll(async () => logOf(token, queued.id), { timeout: 120_000, interval: 250 }).toContain('epoch 1 done');
    expect((await jobOf(token, queued.id)).status).toBe('RUNNING');

    const cancelled = await api().call<TrainingJobView>('POST', `/challenges/tissuenet/training-jobs/${queued.id}/cancel`, token);
    expect(cancelled.body.status).toBe('CANCELLED');
    // SIGTERM: train.py stops at once and the launcher uploads outputs/; the job's end adds them to the cancelled job.
    await expect
      .poll(async () => (await jobOf(token, queued.id)).outputs.map((output) => output.path), { timeout: 60_000, interval: 250 })
      .toEqual(['checkpoint.txt']);
    const record = (await findTrainingJob(platform.ctx, queued.id))!;
    // Batch ends a terminated job FAILED, naming the reason, even when its launcher exited cleanly.
    expect((await platform.jobRunner.describe([record.batchJobId!]))[0]).toMatchObject({ status: 'FAILED', statusReason: 'Terminated: cancelled by the team' });
    expect(record).toMatchObject({ status: 'CANCELLED' });
    const budget = await readTrainingBudget(platform.ctx, 'tissuenet', 'learning', record.teamId);
    expect(budget).toMatchObject({ usedGpuSeconds: Math.ceil(record.runSeconds!), reservations: {} });
    expect(record.runSeconds).toBeLessThan(300);
  }, 240_000);
});
