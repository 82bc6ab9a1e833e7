import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import type { PodiumContext } from '#shared/context.ts';
import { listAccessLog } from '#shared/data-access/access-log.ts';
import type { BatchJobStateChange } from '#shared/jobs/batch-job-event.ts';
import { addMemberWithinLimit, membersOf } from '#shared/storage/conditional-writes.ts';
import { keys } from '#shared/storage/table-design.ts';
import { trainingBatchJobName } from '#shared/training/batch-training-launcher.ts';
import { cancelTrainingJob } from '#shared/training/cancel-training-job.ts';
import { onTrainingJobStateChange, trainingEventFromBatch } from '#shared/training/on-training-job-state.ts';
import { readTrainingBudget, reserveTrainingBudget } from '#shared/training/training-budget.ts';
import { createTrainingJobRecord, findTrainingJob, transitionTrainingJob } from '#shared/training/training-job-record.ts';
import { trainingRunKeys } from '#shared/training/training-run-spec.ts';
import { seedTrainingFiles, tissuenet } from '../api/api-harness.ts';
import { manualClock, startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

let storage: StorageFixture;
beforeAll(async () => {
  storage = await startStorageFixture();
});
afterAll(() => storage.close());

/** A job as the API leaves it on AWS: slot taken, budget reserved, archive uploaded, submitted to Batch. */
async function queuedJob(ctx: PodiumContext, id: string, teamId: string) {
  const challenge = await tissuenet();
  await registerChallenge(ctx, challenge);
  await seedTrainingFiles(ctx, 'tissuenet', 'train');
  await addMemberWithinLimit(ctx.db, ctx.config.tableName, keys.trainingSlots('tissuenet', 'learning', teamId), id, 1);
  const reservation = await reserveTrainingBudget(ctx, 'tissuenet', challenge.phases[0]!, teamId, id);
  await createTrainingJobRecord(ctx, {
    id,
    challengeId: 'tissuenet',
    phaseId: 'learning',
    teamId,
    submittedBy: 'user-1',
    archiveKey: `tissuenet/learning/training/${teamId}/${id}/train.zip`,
    archiveBytes: 100,
    runSecondsLimit: reservation.runSeconds,
    budgetLimited: reservation.budgetLimited,
  });
  await transitionTrainingJob(ctx, id, ['CREATED'], 'QUEUED');
}

/** Batch's "Job State Change", as EventBridge delivers it to the job-state handler. */
const batchEvent = (id: string, status: string, detail: Partial<BatchJobStateChange['detail']> = {}): BatchJobStateChange => ({
  'detail-type': 'Batch Job State Change',
  source: 'aws.batch',
  time: '2026-06-01T10:30:00Z',
  detail: { jobId: `batch-${id}`, jobName: trainingBatchJobName(id), status, ...detail },
});

async function writeResult(ctx: PodiumContext, id: string, teamId: string, result: object) {
  const key = trainingRunKeys({ challengeId: 'tissuenet', phaseId: 'learning', teamId, trainingJobId: id }).result;
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: key, Body: JSON.stringify(result) }));
}

describe('training jobs on AWS Batch, moved along by their state-change events', () => {
  it('runs on RUNNING (data reads logged once), ends from the result the job wrote, and charges once however often the end arrives', async () => {
    const ctx = await storage.freshContext(manualClock('2026-06-01T10:00:00Z').now);
    await queuedJob(ctx, 't-aws', 'team-a');
    const running = trainingEventFromBatch(batchEvent('t-aws', 'RUNNING'))!;
    expect(await onTrainingJobStateChange(ctx, running)).toBe('running');
    expect(await onTrainingJobStateChange(ctx, running)).toBe('already running or ended');
    const reads = (await listAccessLog(ctx, 'tissuenet')).filter((entry) => entry.userId === 'training-job:t-aws');
    expect(reads).toEqual([expect.objectContaining({ datasetId: 'train', path: expect.stringContaining('1 files') })]);

    const model = { path: 'model.pt', bytes: 5, sha256: 'a'.repeat(64) };
    await writeResult(ctx, 't-aws', 'team-a', { end: 'SUCCEEDED', message: 'train.py finished', runSeconds: 120, outputs: [model] });
    const succeeded = trainingEventFromBatch(batchEvent('t-aws', 'SUCCEEDED', { startedAt: 0, stoppedAt: 150_000 }))!;
    expect(await onTrainingJobStateChange(ctx, succeeded)).toBe('ended SUCCEEDED');
    await onTrainingJobStateChange(ctx, succeeded);
    expect(await findTrainingJob(ctx, 't-aws')).toMatchObject({ status: 'SUCCEEDED', runSeconds: 120, outputs: [model] });
    const budget = (await readTrainingBudget(ctx, 'tissuenet', 'learning', 'team-a'))!;
    // gpus: 0 charges instance-seconds: 120 of the 2 h budget, once; the hour reserved is given back.
    expect(budget.usedGpuSeconds).toBe(120);
    expect(budget.availableGpuSeconds).toBe(2 * 3600 - 120);
    const slots = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.trainingSlots('tissuenet', 'learning', 'team-a') }));
    expect(membersOf(slots.Item).size).toBe(0);
  });

  it("ends a job killed before it wrote its result FAILED, charged Batch's run time; a cancelled job's end adds the outputs it kept", async () => {
    const ctx = await storage.freshContext(manualClock('2026-06-01T10:00:00Z').now);
    await queuedJob(ctx, 't-lost', 'team-b');
    await onTrainingJobStateChange(ctx, trainingEventFromBatch(batchEvent('t-lost', 'RUNNING'))!);
    const failed = batchEvent('t-lost', 'FAILED', { statusReason: 'Host EC2 terminated', startedAt: 1_000, stoppedAt: 91_000 });
    expect(await onTrainingJobStateChange(ctx, trainingEventFromBatch(failed)!)).toBe('ended without a result');
    expect(await findTrainingJob(ctx, 't-lost')).toMatchObject({ status: 'FAILED', runSeconds: 90, message: expect.stringContaining('Host EC2 terminated') });

    await queuedJob(ctx, 't-cancelled', 'team-c');
    await onTrainingJobStateChange(ctx, trainingEventFromBatch(batchEvent('t-cancelled', 'RUNNING'))!);
    const stopped: string[] = [];
    await cancelTrainingJob(ctx, (await findTrainingJob(ctx, 't-cancelled'))!, 'user-1', async (id) => void stopped.push(id));
    expect(stopped).toEqual(['t-cancelled']);
    const checkpoint = { path: 'checkpoint.pt', bytes: 3, sha256: 'b'.repeat(64) };
    await writeResult(ctx, 't-cancelled', 'team-c', { end: 'CANCELLED', message: 'stopped', runSeconds: 30, outputs: [checkpoint] });
    await onTrainingJobStateChange(ctx, trainingEventFromBatch(batchEvent('t-cancelled', 'FAILED'))!);
    expect(await findTrainingJob(ctx, 't-cancelled')).toMatchObject({ status: 'CANCELLED', cancelledBy: 'user-1', outputs: [checkpoint] });
  });

  it('ignores the events of any other Batch job', () => {
    expect(trainingEventFromBatch({ ...batchEvent('x', 'RUNNING'), detail: { jobId: 'j', jobName: 'inference-s-1-1', status: 'RUNNING' } })).toBeUndefined();
  });
});
