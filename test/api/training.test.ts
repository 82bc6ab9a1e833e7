import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccessLog } from '#shared/data-access/access-log.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { inferenceRunSpec } from '#shared/pipeline/inference-run-spec.ts';
import { findSubmission } from '#shared/submissions/submission-record.ts';
import type { TrainingLauncher } from '#shared/training/start-training-job.ts';
import type { TrainingJobView } from '#shared/training/training-job-view.ts';
import { onTrainingJobStateChange, trainingEventFromJobState } from '#shared/training/on-training-job-state.ts';
import { batchTrainingLauncher } from '#shared/training/batch-training-launcher.ts';
import { TRAINING_COMMAND } from '#shared/training/training-run-spec.ts';
import { LocalJobRunner } from '../../local/job-runner/local-job-runner.ts';
import { zipFolderEntries } from '../training/support/training-archive.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { seedTrainingFiles, startApi, tissuenet, type ApiHarness } from './api-harness.ts';

let fixture: StorageFixture;
let api: ApiHarness;
let runner: LocalJobRunner;

beforeAll(async () => {
  fixture = await startStorageFixture();
  // The TissueNet demo with its training data kept on the platform.
  const challenge = await tissuenet((definition) => {
    definition.datasets[0]!.download = false;
  });
  // Training jobs as the local stack runs them: the training job's entrypoint, a process of the job runner, its events to its handler.
  const launcher: TrainingLauncher = {
    launch: (on, id) => batchTrainingLauncher(api.ctx, runner).launch(on, id),
    stop: (id) => batchTrainingLauncher(api.ctx, runner).stop(id),
  };
  api = await startApi(fixture, [challenge], '2026-06-01T12:00:00Z', { trainingLauncher: launcher });
  runner = new LocalJobRunner({
    config: api.ctx.config,
    commandOf: () => [TRAINING_COMMAND],
    onEvent: async (event) => {
      const training = trainingEventFromJobState(event);
      if (training) await onTrainingJobStateChange(api.ctx, training);
    },
  });
  await seedTrainingFiles(api.ctx, 'tissuenet', 'train');
});
afterAll(async () => {
  await runner?.close();
  await fixture.close();
});

const TRAIN_PY = [
  'from pathlib import Path',
  'rows = Path("data/train/labels.csv").read_text().splitlines()',
  'print(f"training on {len(rows) - 1} rows")',
  'Path("outputs/model.txt").write_text("weights")',
].join('\n');

async function createJob(token: string, files: Record<string, string> = { 'train.py': TRAIN_PY }) {
  const archive = await zipFolderEntries(files);
  const response = await api.call('POST', '/challenges/tissuenet/phases/learning/training-jobs', token, { archiveBytes: archive.length });
  const body = (await response.json()) as { trainingJob: TrainingJobView; upload: { fields: Record<string, string> } } & { error?: string; message?: string };
  return { response, body, archive };
}

async function upload(key: string, archive: Buffer) {
  await api.ctx.s3.send(new PutObjectCommand({ Bucket: api.ctx.config.submissionsBucket, Key: key, Body: archive }));
}

describe('training jobs through the API', () => {
  it('keeps data marked download: false out of every download route', async () => {
    const token = await api.competitor('closed@x.org');
    const view = (await (await api.call('GET', '/challenges/tissuenet')).json()) as { datasets: { id: string; downloadable: boolean }[] };
    expect(view.datasets.find((dataset) => dataset.id === 'train')).toMatchObject({ downloadable: false });
    const refused = await api.call('GET', '/challenges/tissuenet/datasets/train', token);
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { message: string }).message).toContain('never leaves the platform');
    expect((await api.call('GET', '/challenges/tissuenet/datasets/smoke', token)).status).not.toBe(403);
  });

  it('trains on the platform: budget reserved then charged by the second, log and outputs (size and checksum only) for the team', async () => {
    const token = await api.competitor('trainer@x.org');
    const before = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/budget', token)).json()) as Record<string, unknown>;
    expect(before).toMatchObject({ grantedGpuHours: 2, usedGpuHours: 0, remainingGpuHours: 2, instancePricePerHourEur: 0.9, alerts: [] });

    const { response, body, archive } = await createJob(token);
    expect(response.status).toBe(201);
    expect(body.trainingJob).toMatchObject({ status: 'CREATED', timeLimitSeconds: 3600, budgetLimited: false });
    const reserved = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/budget', token)).json()) as Record<string, unknown>;
    expect(reserved).toMatchObject({ reservedGpuHours: 1, remainingGpuHours: 1 });

    await upload(body.upload.fields.key!, archive);
    const started = await api.call('POST', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}/start`, token);
    expect(((await started.json()) as TrainingJobView).status).toBe('QUEUED');
    await runner.idle();

    const ended = (await (await api.call('GET', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}`, token)).json()) as TrainingJobView;
    expect(ended).toMatchObject({ status: 'SUCCEEDED', outputs: [{ path: 'model.txt', bytes: 7, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    expect(ended.outputs[0]).not.toHaveProperty('url');
    const log = (await (await api.call('GET', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}/log`, token)).json()) as { lines: string[] };
    expect(log.lines).toContain('training on 1 rows');

    const after = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/budget', token)).json()) as Record<string, number>;
    expect(after.reservedGpuHours).toBe(0);
    // Charged the real run time, by the second (CPU training: one GPU-second a second).
    expect(ended.runSeconds).toBeGreaterThan(0);
    expect(after.usedGpuSeconds).toBe(ended.runSeconds);
    expect(after.remainingGpuSeconds).toBe(7200 - ended.runSeconds!);

    const listed = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/training-jobs', token)).json()) as { trainingJobs: TrainingJobView[] };
    expect(listed.trainingJobs.map((job) => job.id)).toEqual([body.trainingJob.id]);
    const reads = (await listAccessLog(api.ctx, 'tissuenet')).filter((entry) => entry.userId === `training-job:${body.trainingJob.id}`);
    expect(reads).toEqual([expect.objectContaining({ datasetId: 'train', path: expect.stringContaining('1 files') })]);

    // Another team neither sees the job nor its log.
    const other = await api.competitor('other@x.org');
    expect((await api.call('GET', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}`, other)).status).toBe(404);
    expect((await api.call('GET', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}/log`, other)).status).toBe(404);
  });

  it("attaches a trained job's outputs to a submission, server side; another team's job is not found and a wrong one costs no quota", async () => {
    const token = await api.competitor('attacher@x.org');
    const { body, archive } = await createJob(token);
    await upload(body.upload.fields.key!, archive);
    await api.call('POST', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}/start`, token);
    await runner.idle();

    const baseline = await zipFolderEntries({ 'main.py': 'print(open("model.txt").read())' });
    const create = (who: string, withOutputs: string) =>
      api.call('POST', '/challenges/tissuenet/phases/learning/submissions', who, { archiveBytes: baseline.length, withOutputs });
    const created = await create(token, body.trainingJob.id);
    expect(created.status).toBe(201);
    const { submission } = (await created.json()) as { submission: { id: string } };
    const record = (await findSubmission(api.ctx, submission.id))!;
    const spec = inferenceRunSpec(await getChallenge(api.ctx, 'tissuenet'), record, 1);
    expect(spec.trainingOutputs).toEqual({
      prefix: `tissuenet/learning/training/${record.teamId}/${body.trainingJob.id}/outputs/`,
      files: [{ path: 'model.txt', bytes: 7, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }],
    });

    const other = await api.competitor('thief@x.org');
    expect((await create(other, body.trainingJob.id)).status).toBe(404);
    const quota = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/quota', other)).json()) as { perDay: { used: number } };
    expect(quota.perDay.used).toBe(0);
  });

  it('limits concurrent jobs per team, gives back a cancelled job, and fails an archive without train.py at no charge', async () => {
    const token = await api.competitor('busy@x.org');
    const first = await createJob(token);
    const second = await createJob(token);
    expect(second.response.status).toBe(429);
    expect(second.body.message).toContain('1 training job(s) queued or running');
    const cancelled = await api.call('POST', `/challenges/tissuenet/training-jobs/${first.body.trainingJob.id}/cancel`, token);
    expect(((await cancelled.json()) as TrainingJobView).status).toBe('CANCELLED');

    const wrong = await createJob(token, { 'main.py': 'print(1)' });
    expect(wrong.response.status).toBe(201);
    await upload(wrong.body.upload.fields.key!, wrong.archive);
    const failed = (await (await api.call('POST', `/challenges/tissuenet/training-jobs/${wrong.body.trainingJob.id}/start`, token)).json()) as TrainingJobView;
    expect(failed).toMatchObject({ status: 'FAILED', message: expect.stringContaining('no train.py at the archive root'), runSeconds: 0 });
    const budget = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/budget', token)).json()) as Record<string, number>;
    expect(budget).toMatchObject({ usedGpuHours: 0, reservedGpuHours: 0, remainingGpuHours: 2 });
  });

  it('shows the log while train.py runs, and a cancel stops it at once, keeping its outputs so far', async () => {
    const token = await api.competitor('impatient@x.org');
    const endless = [
      'import time',
      'from pathlib import Path',
      'Path("outputs/checkpoint-1.txt").write_text("epoch 1")',
      'print("epoch 1 done", flush=True)',
      'while True:',
      '    time.sleep(1)',
    ].join('\n');
    const { body, archive } = await createJob(token, { 'train.py': endless });
    await upload(body.upload.fields.key!, archive);
    await api.call('POST', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}/start`, token);
    const logPath = `/challenges/tissuenet/training-jobs/${body.trainingJob.id}/log`;
    let live: { lines: string[] } = { lines: [] };
    while (!live.lines.includes('epoch 1 done')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      live = (await (await api.call('GET', logPath, token)).json()) as { lines: string[] };
    }
    const running = (await (await api.call('GET', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}`, token)).json()) as TrainingJobView;
    expect(running.status).toBe('RUNNING');

    const cancelled = (await (await api.call('POST', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}/cancel`, token)).json()) as TrainingJobView;
    expect(cancelled.status).toBe('CANCELLED');
    // The job's time limit is an hour: the runner is idle again only because TerminateJob stopped it.
    await runner.idle();
    const ended = (await (await api.call('GET', `/challenges/tissuenet/training-jobs/${body.trainingJob.id}`, token)).json()) as TrainingJobView;
    expect(ended).toMatchObject({ status: 'CANCELLED', outputs: [{ path: 'checkpoint-1.txt', bytes: 7 }] });
    expect(((await (await api.call('GET', logPath, token)).json()) as { lines: string[] }).lines).toContain('[podium] stopped: cancelled');
    const budget = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/budget', token)).json()) as Record<string, number>;
    // Charged its run time up to the cancel (this harness's clock stands still), not the hour it reserved.
    expect(budget).toMatchObject({ reservedGpuHours: 0, usedGpuHours: 0 });
  });

  it('lets organisers, and only them, grant more GPU-hours, audited', async () => {
    const token = await api.competitor('granted@x.org');
    const { teamId: team } = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/budget', token)).json()) as { teamId: string };
    const organiser = await api.login('boss@x.org', 'organiser');
    const path = `/admin/challenges/tissuenet/phases/learning/teams/${team}/budget-grants`;
    expect((await api.call('POST', path, token, { gpuHours: 5, reason: 'please' })).status).toBe(403);
    const granted = await api.call('POST', path, organiser, { gpuHours: 1.5, reason: 'finalist', grantId: 'g-1' });
    expect(granted.status).toBe(201);
    expect(await granted.json()).toMatchObject({ applied: true, budget: { grantedGpuHours: 3.5 } });
    expect(await (await api.call('POST', path, organiser, { gpuHours: 1.5, reason: 'finalist', grantId: 'g-1' })).json()).toMatchObject({ applied: false });
    const invalid = await api.call('POST', path, organiser, { gpuHours: -1, reason: 'oops' });
    expect(invalid.status).toBe(400);
    const audit = (await (await api.call('GET', '/admin/challenges/tissuenet/audit-log', organiser)).json()) as { entries: { action: string }[] };
    expect(audit.entries.filter((entry) => entry.action === 'training-budget.grant')).toHaveLength(1);
  });
});
