import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { startApi, tissuenet } from './api-harness.ts';

const labels = tissuenetLabels([0, 1, 2, 3]);
const PHASE = '/admin/challenges/tissuenet/phases/learning';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await startStorageFixture();
});
afterAll(() => fixture.close());

/** The learning phase (closes 2027-03-01) with one team's scored submission, then the clock set to `at`. */
async function setUp(at?: string) {
  const api = await startApi(fixture, [await tissuenet()], '2026-06-01T12:00:00Z');
  await putLabels(api.ctx, 'tissuenet', 'test', labels.csv);
  let alice = await api.competitor('alice@example.org');
  const { submission } = (await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', alice, { archiveBytes: 10 })).json()) as {
    submission: { teamId: string };
  };
  await submissionInScoring(api.ctx, {
    id: 's-1',
    challengeId: 'tissuenet',
    phaseId: 'learning',
    teamId: submission.teamId,
    predictions: tissuenetPredictions(labels.ids, [0, 1, 2, 3]),
  });
  await runScoringJob(api.ctx, 's-1', 1);
  if (at) {
    api.clock.set(at);
    alice = await api.login('alice@example.org'); // tokens last 12 hours of the same clock
  }
  const organiser = await api.login('org@example.org', 'organiser');
  const audit = async () =>
    ((await (await api.call('GET', '/admin/challenges/tissuenet/audit-log', organiser)).json()) as { entries: Record<string, unknown>[] }).entries;
  const privateBoardStatus = async () => (await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard?split=private', alice)).status;
  return { api, alice, organiser, audit, privateBoardStatus };
}

describe('publishing a phase', () => {
  it('is refused while the phase is open, naming when it closes, and nothing becomes visible', async () => {
    const { api, organiser, audit, privateBoardStatus } = await setUp();
    const refused = await api.call('POST', `${PHASE}/publish`, organiser);
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: string; message: string; details: { closes: string } };
    expect(body).toMatchObject({ error: 'INVALID_STATE', details: { closes: '2027-03-01T00:00:00Z' } });
    expect(body.message).toContain('is open until 2027-03-01T00:00:00Z');
    expect(body.message).toContain('force it with a reason');
    expect(await privateBoardStatus()).toBe(404);
    expect((await audit()).filter((entry) => entry.action === 'phase.publish')).toEqual([]);
  });

  it('is forced on an open phase only with a reason, which the audit log keeps', async () => {
    const { api, organiser, audit, privateBoardStatus } = await setUp();
    const noReason = await api.call('POST', `${PHASE}/publish`, organiser, { force: true });
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ message: expect.stringContaining('needs a reason') });
    const forced = await api.call('POST', `${PHASE}/publish`, organiser, { force: true, reason: 'mid-challenge results for the workshop' });
    expect(forced.status).toBe(200);
    expect(await forced.json()).toMatchObject({ published: true });
    expect(await privateBoardStatus()).toBe(200);
    expect((await audit()).find((entry) => entry.action === 'phase.publish')).toMatchObject({
      reason: 'mid-challenge results for the workshop',
      details: { forced: true, closes: '2027-03-01T00:00:00Z' },
    });
  });

  it('goes through without force once the phase has closed', async () => {
    const { api, organiser, audit, privateBoardStatus } = await setUp('2027-03-01T00:00:00Z');
    expect((await api.call('POST', `${PHASE}/publish`, organiser)).status).toBe(200);
    expect(await privateBoardStatus()).toBe(200);
    expect((await audit()).find((entry) => entry.action === 'phase.publish')).toMatchObject({ details: { forced: false } });
  });

  it('previews what becomes visible: the private board and every scored submission', async () => {
    const { api, organiser } = await setUp();
    const preview = await api.call('GET', `${PHASE}/publication`, organiser);
    expect(await preview.json()).toEqual({
      challengeId: 'tissuenet',
      phaseId: 'learning',
      published: false,
      closes: '2027-03-01T00:00:00Z',
      open: true,
      board: 'private',
      boardTeams: 1,
      scoredSubmissions: 1,
    });
  });

  it('is undone by unpublish, with a reason, audit-logged; the private board is hidden again', async () => {
    const { api, organiser, audit, privateBoardStatus } = await setUp('2027-03-02T00:00:00Z');
    expect((await api.call('POST', `${PHASE}/publish`, organiser)).status).toBe(200);
    expect((await api.call('POST', `${PHASE}/unpublish`, organiser, {})).status).toBe(400);
    const undone = await api.call('POST', `${PHASE}/unpublish`, organiser, { reason: 'labels of two slides were wrong' });
    expect(undone.status).toBe(200);
    expect(await undone.json()).toMatchObject({ published: false });
    expect(await privateBoardStatus()).toBe(404);
    expect((await audit()).find((entry) => entry.action === 'phase.unpublish')).toMatchObject({
      reason: 'labels of two slides were wrong',
      target: 'learning',
    });
  });
});
