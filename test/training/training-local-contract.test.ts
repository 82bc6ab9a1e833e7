import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getChallenge, registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { soloTeamId } from '#shared/teams/team-record.ts';
import { readTrainingBudget, reserveTrainingBudget, settleTrainingBudget } from '#shared/training/training-budget.ts';
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

  it('a run that crosses 70 % of the budget tells the team and the listed organiser, in the app and by e-mail, once', async () => {
    const challenge = await getChallenge(platform.ctx, 'tissuenet');
    await registerChallenge(platform.ctx, { ...challenge, notifications: { ...challenge.notifications, organisers: ['budget-organiser@example.org'] } });
    const organiser = (await api().call<{ token: string }>('POST', '/dev/login', undefined, { email: 'budget-organiser@example.org', role: 'organiser' })).body
      .token;
    expect((await api().call('GET', '/me/notifications', organiser)).status).toBe(200);
    const token = await api().competitor('crosses-70@example.org');
    const teamId = soloTeamId((JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub);
    // Earlier runs used 5,039 s of the 7,200 s budget (69.99 %): any run of a second more crosses 70 %.
    for (const [id, seconds] of [
      ['earlier-1', 3600],
      ['earlier-2', 1439],
    ] as const) {
      await reserveTrainingBudget(platform.ctx, 'tissuenet', challenge.phases[0]!, teamId, id);
      await settleTrainingBudget(platform.ctx, 'tissuenet', 'learning', teamId, id, seconds);
    }
    const queued = await api().train(token, 'from pathlib import Path\nPath("outputs/model.txt").write_text("weights")');
    await expect.poll(async () => (await jobOf(token, queued.id)).status, { timeout: 120_000, interval: 250 }).toBe('SUCCEEDED');
    const ended = await jobOf(token, queued.id);
    expect((await readTrainingBudget(platform.ctx, 'tissuenet', 'learning', teamId))!.usedGpuSeconds).toBe(5039 + Math.ceil(ended.runSeconds!));

    const title = `Team ${teamId} has used 70 % of its training budget (learning)`;
    const alertsOf = async (reader: string) =>
      (await api().call<{ notifications: { type: string; title: string }[] }>('GET', '/me/notifications', reader)).body.notifications.filter(
        (notification) => notification.type === 'training.budget',
      );
    for (const reader of [token, organiser]) {
      await expect.poll(() => alertsOf(reader), { timeout: 30_000, interval: 250 }).toEqual([expect.objectContaining({ title })]);
    }
    const mailsTo = async (address: string) =>
      (await platform.mailSink.messages()).filter((mail) => mail.to.some((to) => to.address === address)).map((mail) => mail.subject);
    for (const address of ['crosses-70@example.org', 'budget-organiser@example.org']) {
      await expect.poll(() => mailsTo(address), { timeout: 30_000, interval: 250 }).toEqual([`[tissuenet] ${title}`]);
    }
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
