import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { startApi, tissuenet, type ApiHarness } from './api-harness.ts';

/** Rows 1 and 3 public, 2 and 4 private; predictions named by their public and private scores. */
const labels = tissuenetLabels([0, 1, 2, 3]);
const PUBLIC_08_PRIVATE_1 = [1, 1, 3, 3];
const PUBLIC_1_PRIVATE_05 = [0, 1, 2, 0];
const PUBLIC_1_PRIVATE_085 = [0, 2, 2, 3];

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await startStorageFixture();
});
afterAll(() => fixture.close());

async function setUp() {
  const api = await startApi(fixture, [await tissuenet()]);
  await putLabels(api.ctx, 'tissuenet', 'test', labels.csv);
  const alice = await api.competitor('alice@example.org');
  const bob = await api.competitor('bob@example.org');
  const created = async (token: string, mode: 'scored' | 'smoke' = 'scored') =>
    (
      (await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', token, { archiveBytes: 10, mode })).json()) as {
        submission: { id: string; teamId: string };
      }
    ).submission;
  const pending = await created(alice);
  let sequence = 0;
  const scored = async (teamId: string, classes: number[]) => {
    api.clock.advance(60_000);
    const id = `s-${teamId}-${++sequence}`;
    await submissionInScoring(api.ctx, { id, challengeId: 'tissuenet', phaseId: 'learning', teamId, predictions: tissuenetPredictions(labels.ids, classes) });
    await runScoringJob(api.ctx, id, 1);
    return id;
  };
  return { api, alice, bob, pending, teamA: pending.teamId, created, scored };
}

const select = (api: ApiHarness, token: string, id: string, method: 'POST' | 'DELETE' = 'POST') => api.call(method, `/submissions/${id}/selection`, token);

describe('final selections through the API', () => {
  it('selects up to finalSelections SCORED submissions of my team, then refuses with the current selection', async () => {
    const { api, alice, teamA, scored } = await setUp();
    const [first, second, third] = [
      await scored(teamA, PUBLIC_08_PRIVATE_1),
      await scored(teamA, PUBLIC_1_PRIVATE_05),
      await scored(teamA, PUBLIC_1_PRIVATE_085),
    ];
    expect(await (await select(api, alice, first)).json()).toMatchObject({ phaseId: 'learning', limit: 2, selected: [first] });
    expect((await select(api, alice, first)).status).toBe(200); // again: no change
    expect(await (await select(api, alice, second)).json()).toMatchObject({ selected: [first, second].sort() });
    const full = await select(api, alice, third);
    expect(full.status).toBe(409);
    expect(await full.json()).toMatchObject({ error: 'CONFLICT', details: { limit: 2, selected: [first, second].sort() } });
    const cleared = await select(api, alice, second, 'DELETE');
    expect(await cleared.json()).toMatchObject({ selected: [first] });
    expect((await select(api, alice, third)).status).toBe(200);
  });

  it('admits exactly finalSelections of several selections racing for the slots', async () => {
    const { api, alice, teamA, scored } = await setUp();
    const ids = [await scored(teamA, PUBLIC_08_PRIVATE_1), await scored(teamA, PUBLIC_1_PRIVATE_05), await scored(teamA, PUBLIC_1_PRIVATE_085)];
    const statuses = (await Promise.all(ids.map((id) => select(api, alice, id)))).map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 409]);
  });

  it("refuses (404) a submission that is not SCORED, a smoke run and another team's submission", async () => {
    const { api, alice, bob, pending, created, scored } = await setUp();
    const smoke = await created(alice, 'smoke');
    const bobs = await scored((await created(bob)).teamId, PUBLIC_1_PRIVATE_05);
    for (const id of [pending.id, smoke.id, bobs]) {
      const refused = await select(api, alice, id);
      expect(refused.status, id).toBe(404);
      expect(await refused.json()).toMatchObject({ error: 'NOT_FOUND' });
    }
    expect((await select(api, alice, bobs, 'DELETE')).status).toBe(404);
  });

  it('refuses any change once the phase has closed', async () => {
    const { api, alice, teamA, scored } = await setUp();
    const id = await scored(teamA, PUBLIC_1_PRIVATE_05);
    expect((await select(api, alice, id)).status).toBe(200);
    api.clock.set('2027-03-01T00:00:00Z');
    const late = await api.login('alice@example.org');
    for (const method of ['POST', 'DELETE'] as const) {
      const refused = await select(api, late, id, method);
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ error: 'INVALID_STATE', message: expect.stringContaining('closed at 2027-03-01T00:00:00Z') });
    }
  });

  it('the private board follows the selection, not the best private score', async () => {
    const { api, alice, teamA, scored } = await setUp();
    const best = await scored(teamA, PUBLIC_08_PRIVATE_1);
    await scored(teamA, PUBLIC_1_PRIVATE_05);
    await scored(teamA, PUBLIC_1_PRIVATE_085);
    const organiser = await api.login('org@example.org', 'organiser');
    const privateBoard = async () =>
      (
        (await (await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard?split=private', organiser)).json()) as {
          entries: { score: number; submissionId: string }[];
        }
      ).entries;
    expect(await privateBoard()).toMatchObject([{ score: 0.85 }]);
    await select(api, alice, best);
    expect(await privateBoard()).toMatchObject([{ score: 1, submissionId: best }]);
  });
});
