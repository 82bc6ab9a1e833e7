import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChallengeYaml } from '#shared/challenge/load-challenge.ts';
import { membersOf } from '#shared/storage/conditional-writes.ts';
import { keys } from '#shared/storage/table-design.ts';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { finishTrainingJob } from '#shared/training/finish-training-job.ts';
import { reconcileTrainingJobs } from '#shared/training/reconcile-training.ts';
import { readTrainingBudget, reserveTrainingBudget } from '#shared/training/training-budget.ts';
import { createTrainingJobRecord, findTrainingJob, transitionTrainingJob } from '#shared/training/training-job-record.ts';
import type { PodiumContext } from '#shared/context.ts';
import { addMemberWithinLimit } from '#shared/storage/conditional-writes.ts';
import { manualClock, startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

const tissuenet = parseChallengeYaml(await readFile('examples/tissuenet/challenge.yaml', 'utf8'));
const learning = tissuenet.phases[0]!;

let storage: StorageFixture;
beforeAll(async () => {
  storage = await startStorageFixture();
});
afterAll(() => storage.close());

/** A job as createTrainingJob leaves it (slot taken, budget reserved), then started by a worker. */
async function runningJob(ctx: PodiumContext, id: string, teamId: string) {
  await addMemberWithinLimit(ctx.db, ctx.config.tableName, keys.trainingSlots('tissuenet', 'learning', teamId), id, 1);
  const reservation = await reserveTrainingBudget(ctx, 'tissuenet', learning, teamId, id);
  await createTrainingJobRecord(ctx, {
    id,
    challengeId: 'tissuenet',
    phaseId: 'learning',
    teamId,
    submittedBy: 'user-1',
    archiveKey: `training/${id}.zip`,
    archiveBytes: 100,
    runSecondsLimit: reservation.runSeconds,
    budgetLimited: reservation.budgetLimited,
  });
  await transitionTrainingJob(ctx, id, ['CREATED'], 'QUEUED');
  const at = ctx.now().toISOString();
  await transitionTrainingJob(ctx, id, ['QUEUED'], 'RUNNING', { startedAt: at, lastSeenAt: at });
}

describe('training jobs after a crash', () => {
  it('ends a job whose worker died, charged once up to its last heartbeat, and frees its slot', async () => {
    const clock = manualClock('2026-06-01T10:00:00Z');
    const ctx = await storage.freshContext(clock.now);
    await runningJob(ctx, 't-crashed', 'team-a');
    // The worker's heartbeats for 5 minutes, then kill -9: nothing more is written.
    clock.advance(300_000);
    await transitionTrainingJob(ctx, 't-crashed', ['RUNNING'], 'RUNNING', { lastSeenAt: clock.now().toISOString() });
    clock.advance(30_000);
    expect(await reconcileTrainingJobs(ctx)).toEqual({}); // still within its heartbeat grace
    clock.advance(60_000);

    expect(await reconcileTrainingJobs(ctx)).toEqual({ 't-crashed': 'lost while running' });
    expect(await findTrainingJob(ctx, 't-crashed')).toMatchObject({ status: 'FAILED', runSeconds: 300, message: expect.stringContaining('lost') });
    const charged = { usedGpuSeconds: 300, availableGpuSeconds: 7200 - 300, reservations: {} };
    expect(await readTrainingBudget(ctx, 'tissuenet', 'learning', 'team-a')).toMatchObject(charged);
    const slots = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.trainingSlots('tissuenet', 'learning', 'team-a') }));
    expect(membersOf(slots.Item).size).toBe(0);

    // The reconciler again (a second instance, the next tick) and the dead worker's late end: nothing more is charged.
    expect(await reconcileTrainingJobs(ctx)).toEqual({});
    await finishTrainingJob(ctx, 't-crashed', { end: 'SUCCEEDED', runSeconds: 1200, message: 'train.py finished' });
    expect(await findTrainingJob(ctx, 't-crashed')).toMatchObject({ status: 'FAILED', runSeconds: 300 });
    expect(await readTrainingBudget(ctx, 'tissuenet', 'learning', 'team-a')).toMatchObject(charged);
  });

  it('completes an end recorded just before a crash: the budget settles once, the slot is freed', async () => {
    const clock = manualClock('2026-06-01T10:00:00Z');
    const ctx = await storage.freshContext(clock.now);
    await runningJob(ctx, 't-half', 'team-b');
    // The end was written, then the process died before settling.
    await transitionTrainingJob(ctx, 't-half', ['RUNNING'], 'SUCCEEDED', { runSeconds: 42.5 });
    expect(await readTrainingBudget(ctx, 'tissuenet', 'learning', 'team-b')).toMatchObject({ usedGpuSeconds: 0, availableGpuSeconds: 7200 - 3600 });
    // After the restart the reconciler finds it still active and settles it, once.
    expect(await reconcileTrainingJobs(ctx)).toEqual({ 't-half': 'settled after a crash' });
    expect(await reconcileTrainingJobs(ctx)).toEqual({});
    await finishTrainingJob(ctx, 't-half', { end: 'SUCCEEDED', runSeconds: 42.5, message: 'train.py finished' });
    expect(await findTrainingJob(ctx, 't-half')).toMatchObject({ status: 'SUCCEEDED', settledAt: expect.any(String) });
    expect(await readTrainingBudget(ctx, 'tissuenet', 'learning', 'team-b')).toMatchObject({ usedGpuSeconds: 43, availableGpuSeconds: 7200 - 43 });
  });

  it('gives back the reservation of a job whose archive never came', async () => {
    const clock = manualClock('2026-06-01T10:00:00Z');
    const ctx = await storage.freshContext(clock.now);
    await reserveTrainingBudget(ctx, 'tissuenet', learning, 'team-c', 't-never');
    await createTrainingJobRecord(ctx, {
      id: 't-never',
      challengeId: 'tissuenet',
      phaseId: 'learning',
      teamId: 'team-c',
      submittedBy: 'user-1',
      archiveKey: 'training/t-never.zip',
      archiveBytes: 100,
      runSecondsLimit: 3600,
      budgetLimited: false,
    });
    clock.advance(3 * 3600_000);
    expect(await reconcileTrainingJobs(ctx)).toEqual({ 't-never': 'upload abandoned' });
    expect(await readTrainingBudget(ctx, 'tissuenet', 'learning', 'team-c')).toMatchObject({ usedGpuSeconds: 0, availableGpuSeconds: 7200 });
  });
});
