import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '#shared/audit/audit-log.ts';
import type { PhaseDefinition } from '#shared/challenge/definition-schema.ts';
import { parseChallengeYaml } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { PodiumError } from '#shared/errors.ts';
import { listBudgetAlerts } from '#shared/training/budget-alerts.ts';
import { viewTrainingBudget } from '#shared/training/budget-view.ts';
import { grantTrainingBudget } from '#shared/training/grant-budget.ts';
import { readTrainingBudget, reserveTrainingBudget, settleTrainingBudget } from '#shared/training/training-budget.ts';
import { manualClock, startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

const tissuenet = parseChallengeYaml(await readFile('examples/tissuenet/challenge.yaml', 'utf8'));
/** TissueNet's learning phase with a 1 h time limit; `budgetHours` and `gpus` vary per test. */
function phaseWith(budgetHours: number, gpus = 0): PhaseDefinition {
  const learning = tissuenet.phases[0]!;
  return { ...learning, training: { ...learning.training!, gpus, budgetGpuHoursPerTeam: budgetHours, timeLimitHours: 1 } };
}

let storage: StorageFixture;
beforeAll(async () => {
  storage = await startStorageFixture();
});
afterAll(() => storage.close());

async function refusal(attempt: Promise<unknown>): Promise<PodiumError> {
  const error = await attempt.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PodiumError);
  return error as PodiumError;
}

describe('training budgets', () => {
  let ctx: PodiumContext;
  const clock = manualClock('2026-06-01T10:00:00Z');
  beforeAll(async () => {
    ctx = await storage.freshContext(clock.now);
  });

  it('reserves the time limit, charges the real run time by the second and gives the rest back', async () => {
    const phase = phaseWith(2);
    const reservation = await reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-a', 'job-1');
    expect(reservation).toMatchObject({ runSeconds: 3600, gpuSeconds: 3600, budgetLimited: false });
    expect(await viewTrainingBudget(ctx, 'tissuenet', phase, 'team-a')).toMatchObject({ reservedGpuHours: 1, remainingGpuHours: 1, usedGpuHours: 0 });

    const settled = await settleTrainingBudget(ctx, 'tissuenet', phase.id, 'team-a', 'job-1', 61.2);
    expect(settled).toMatchObject({ charged: true, settlement: { runSeconds: 62, gpuSeconds: 62 } });
    const view = await viewTrainingBudget(ctx, 'tissuenet', phase, 'team-a');
    expect(view).toMatchObject({ reservedGpuHours: 0, usedGpuHours: 0.017, remainingGpuHours: 1.983, grantedGpuHours: 2 });
    expect(view.usedCostEur).toBeCloseTo(0.02, 2);
  });

  it('charges once when the same job is reserved and settled twice, and ignores a settlement of a job it never reserved', async () => {
    const phase = phaseWith(2);
    const first = await reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-b', 'job-1');
    expect(await reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-b', 'job-1')).toEqual(first);
    await settleTrainingBudget(ctx, 'tissuenet', phase.id, 'team-b', 'job-1', 100);
    const again = await settleTrainingBudget(ctx, 'tissuenet', phase.id, 'team-b', 'job-1', 3000);
    expect(again).toMatchObject({ charged: false, settlement: { gpuSeconds: 100 } });
    expect(await settleTrainingBudget(ctx, 'tissuenet', phase.id, 'team-b', 'never-reserved', 500)).toBeUndefined();
    // A late reservation of a settled job (a replayed request) holds nothing.
    await expect(reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-b', 'job-1')).rejects.toThrow('already been settled');
    const budget = await readTrainingBudget(ctx, 'tissuenet', phase.id, 'team-b');
    expect(budget).toMatchObject({ usedGpuSeconds: 100, availableGpuSeconds: 7200 - 100, reservations: {} });
  });

  it('settles racing duplicates of the same event once', async () => {
    const phase = phaseWith(2);
    await reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-race', 'job-1');
    const results = await Promise.all([1, 2, 3, 4].map(() => settleTrainingBudget(ctx, 'tissuenet', phase.id, 'team-race', 'job-1', 300)));
    expect(results.filter((result) => result?.charged)).toHaveLength(1);
    expect(await readTrainingBudget(ctx, 'tissuenet', phase.id, 'team-race')).toMatchObject({ usedGpuSeconds: 300, availableGpuSeconds: 6900 });
  });

  it('never lets racing reservations take more than the budget holds', async () => {
    const phase = phaseWith(2); // two jobs of one hour fit, a third does not
    const attempts = await Promise.allSettled([1, 2, 3, 4].map((n) => reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-c', `job-${n}`)));
    const held = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value.gpuSeconds] : []));
    expect(held.reduce((sum, seconds) => sum + seconds, 0)).toBeLessThanOrEqual(7200);
    expect(attempts.filter((attempt) => attempt.status === 'rejected').every((attempt) => (attempt.reason as PodiumError).code === 'BUDGET_EXHAUSTED')).toBe(
      true,
    );
    expect((await readTrainingBudget(ctx, 'tissuenet', phase.id, 'team-c'))!.availableGpuSeconds).toBe(7200 - held.reduce((a, b) => a + b, 0));
  });

  it('cuts the time limit to the remaining budget, then refuses naming what remains, until an organiser grants more', async () => {
    const phase = phaseWith(1.5, 0);
    await reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-d', 'job-1');
    await settleTrainingBudget(ctx, 'tissuenet', phase.id, 'team-d', 'job-1', 3600);
    const cut = await reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-d', 'job-2');
    expect(cut).toMatchObject({ runSeconds: 1800, budgetLimited: true });
    // The job is stopped at its cut limit: its real run time reaches the reservation.
    await settleTrainingBudget(ctx, 'tissuenet', phase.id, 'team-d', 'job-2', 1800.4);

    const refused = await refusal(reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-d', 'job-3'));
    expect(refused.code).toBe('BUDGET_EXHAUSTED');
    expect(refused.status).toBe(429);
    expect(refused.message).toContain('0 GPU-hours remain');
    expect(refused.details).toMatchObject({ remainingGpuHours: 0, grantedGpuHours: 1.5, usedGpuHours: 1.5 });

    const granted = await grantTrainingBudget(ctx, 'tissuenet', phase, {
      teamId: 'team-d',
      gpuHours: 0.5,
      by: 'organiser-1',
      reason: 'finalists',
      grantId: 'g-1',
    });
    expect(granted.applied).toBe(true);
    // The same request retried adds nothing.
    expect(
      (await grantTrainingBudget(ctx, 'tissuenet', phase, { teamId: 'team-d', gpuHours: 0.5, by: 'organiser-1', reason: 'finalists', grantId: 'g-1' })).applied,
    ).toBe(false);
    expect(await reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-d', 'job-3')).toMatchObject({ runSeconds: 1800, budgetLimited: true });
    const audit = await listAudit(ctx, 'tissuenet');
    expect(audit.filter((entry) => entry.action === 'training-budget.grant')).toEqual([
      expect.objectContaining({
        actor: 'organiser-1',
        target: 'team:team-d',
        reason: 'finalists',
        details: { phaseId: 'learning', gpuHours: 0.5, grantId: 'g-1' },
      }),
    ]);
  });

  it('refuses grants that are not positive or have no reason, and phases without training', async () => {
    const phase = phaseWith(1);
    expect((await refusal(grantTrainingBudget(ctx, 'tissuenet', phase, { teamId: 't', gpuHours: -1, by: 'o', reason: 'x' }))).message).toContain('gpuHours');
    expect((await refusal(grantTrainingBudget(ctx, 'tissuenet', phase, { teamId: 't', gpuHours: 1, by: 'o', reason: ' ' }))).message).toContain('reason');
    const final = tissuenet.phases[1]!;
    expect((await refusal(reserveTrainingBudget(ctx, 'tissuenet', final, 't', 'job-1'))).message).toContain('phase "final" offers no training jobs');
  });

  it('charges GPU jobs per GPU', async () => {
    const phase = phaseWith(4, 2);
    const reservation = await reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-gpu', 'job-1');
    expect(reservation).toMatchObject({ runSeconds: 3600, gpuSeconds: 7200, chargeRate: 2 });
    await settleTrainingBudget(ctx, 'tissuenet', phase.id, 'team-gpu', 'job-1', 600);
    expect(await viewTrainingBudget(ctx, 'tissuenet', phase, 'team-gpu')).toMatchObject({ usedGpuHours: 0.333, remainingGpuHours: 3.667 });
  });

  it('records the 70, 90 and 100 % alerts once each, and again after a grant raises the budget', async () => {
    const phase = phaseWith(1);
    const run = async (jobId: string, seconds: number) => {
      await reserveTrainingBudget(ctx, 'tissuenet', phase, 'team-e', jobId);
      await settleTrainingBudget(ctx, 'tissuenet', phase.id, 'team-e', jobId, seconds);
    };
    await run('job-1', 0.6 * 3600);
    expect(await listBudgetAlerts(ctx, 'tissuenet', phase.id, 'team-e')).toEqual([]);
    await run('job-2', 0.15 * 3600); // 75 %
    await run('job-3', 60); // still 76.7 %: no second 70 % alert
    expect((await listBudgetAlerts(ctx, 'tissuenet', phase.id, 'team-e')).map((alert) => alert.percent)).toEqual([70]);
    await run('job-4', 3600); // cut to what remains: 100 %, passing 90 %
    const alerts = await listBudgetAlerts(ctx, 'tissuenet', phase.id, 'team-e');
    expect(alerts.map((alert) => alert.percent)).toEqual([70, 90, 100]);
    expect(alerts[0]).toMatchObject({ kind: 'budget-alert', teamId: 'team-e', recipients: ['team', 'organisers'], grantedGpuSeconds: 3600 });
    expect((await viewTrainingBudget(ctx, 'tissuenet', phase, 'team-e')).alerts).toHaveLength(3);

    await grantTrainingBudget(ctx, 'tissuenet', phase, { teamId: 'team-e', gpuHours: 1, by: 'organiser-1', reason: 'more epochs' });
    await run('job-5', 0.45 * 3600); // 72.5 % of 2 h
    expect((await listBudgetAlerts(ctx, 'tissuenet', phase.id, 'team-e')).map((alert) => `${alert.grantedGpuSeconds}:${alert.percent}`)).toEqual([
      '3600:70',
      '3600:90',
      '3600:100',
      '7200:70',
    ]);
  });
});
