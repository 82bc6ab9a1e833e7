import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { runRescoreJob } from '#shared/leaderboard/run-rescore-job.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { SCORER_VERSION } from '#shared/scoring/scorer-version.ts';
import { putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { startApi, tissuenet, type ApiHarness } from './api-harness.ts';

/**
 * The rescore routes: the API records the request and submits a `rescore` job (recorded here, not
 * run); the test then runs the job's work as the scoring image would, and reads the outcome back.
 */
let fixture: StorageFixture;
let api: ApiHarness;
let organiser: string;
const labels = tissuenetLabels([0, 1, 2, 3]);

beforeAll(async () => {
  fixture = await startStorageFixture();
  api = await startApi(fixture, [await tissuenet()]);
  organiser = await api.login('o@example.org', 'organiser');
  await putLabels(api.ctx, 'tissuenet', 'test', labels.csv);
  await submissionInScoring(api.ctx, {
    id: 's-a',
    challengeId: 'tissuenet',
    phaseId: 'learning',
    teamId: 'team-a',
    predictions: tissuenetPredictions(labels.ids, [1, 1, 2, 3]),
  });
  await runScoringJob(api.ctx, 's-a', 1);
  await submissionInScoring(api.ctx, {
    id: 's-x',
    challengeId: 'tissuenet',
    phaseId: 'learning',
    teamId: 'team-b',
    predictions: tissuenetPredictions(labels.ids, [0, 1, 2, 3]),
  });
  // The organiser fixes the metric: confusing 0 with 1 now costs 0.5 instead of 0.1.
  await registerChallenge(
    api.ctx,
    await tissuenet((c) => {
      c.metric = {
        kind: 'cost-matrix',
        matrix: [
          [0, 0.5, 0.7, 1],
          [0.5, 0, 0.3, 0.7],
          [0.7, 0.3, 0, 0.3],
          [1, 0.7, 0.3, 0],
        ],
      };
    }),
  );
  api.clock.advance(60_000);
});
afterAll(() => fixture.close());

const body = async <T = Record<string, unknown>>(response: Response) => (await response.json()) as T;

describe('rescore routes', () => {
  it('accepts a phase rescore with 202 and a QUEUED request, submits its job, and GET shows the outcome once the job ran', async () => {
    const response = await api.call('POST', '/admin/challenges/tissuenet/phases/learning/rescore', organiser);
    expect(response.status).toBe(202);
    const request = await body<{ rescoreId: string; status: string; jobId: string }>(response);
    expect(request).toMatchObject({ challengeId: 'tissuenet', phaseId: 'learning', status: 'QUEUED', jobId: expect.any(String) });
    expect(request).not.toHaveProperty('pk');
    const job = api.jobs.submitted.at(-1)!;
    expect(job).toMatchObject({ kind: 'rescore', name: `rescore-${request.rescoreId}-1`, environment: { PODIUM_RESCORE_ID: request.rescoreId } });

    expect(await body(await api.call('GET', `/admin/rescores/${request.rescoreId}`, organiser))).toMatchObject({ status: 'QUEUED' });
    await runRescoreJob(api.ctx, request.rescoreId);

    const outcome = await api.call('GET', `/admin/rescores/${request.rescoreId}`, organiser);
    expect(outcome.status).toBe(200);
    expect(await body(outcome)).toMatchObject({
      status: 'SUCCEEDED',
      scorerVersion: SCORER_VERSION,
      counts: { rescored: 1, notRescored: 0 },
      failures: [],
      leaderboard: { written: expect.any(Number), removed: 0 },
    });
    const audit = await body<{ entries: { action: string; target: string; details?: unknown }[] }>(
      await api.call('GET', '/admin/challenges/tissuenet/audit-log', organiser),
    );
    expect(audit.entries).toContainEqual(expect.objectContaining({ action: 'phase.rescore', target: 'learning', details: { rescoreId: request.rescoreId } }));
  });

  it('accepts a one-submission rescore; GET shows its new and previous scores', async () => {
    const response = await api.call('POST', '/admin/submissions/s-a/rescore', organiser);
    expect(response.status).toBe(202);
    const { rescoreId } = await body<{ rescoreId: string }>(response);
    await runRescoreJob(api.ctx, rescoreId);
    expect(await body(await api.call('GET', `/admin/rescores/${rescoreId}`, organiser))).toMatchObject({
      status: 'SUCCEEDED',
      submissionId: 's-a',
      // previous: the scores the phase rescore above gave it.
      result: { submissionId: 's-a', rescored: true, scores: { public: 0.75, scorerVersion: SCORER_VERSION }, previous: { public: 0.75 } },
    });
  });

  it('refuses a submission that is not SCORED (409), an unknown phase or rescore (404)', async () => {
    const submitted = api.jobs.submitted.length;
    const refused = await api.call('POST', '/admin/submissions/s-x/rescore', organiser);
    expect(refused.status).toBe(409);
    expect(await body(refused)).toMatchObject({ error: 'INVALID_STATE' });
    expect((await api.call('POST', '/admin/challenges/tissuenet/phases/nope/rescore', organiser)).status).toBe(404);
    expect(api.jobs.submitted).toHaveLength(submitted);
    const unknown = await api.call('GET', '/admin/rescores/r-00000000000000000000', organiser);
    expect(unknown.status).toBe(404);
    expect(await body(unknown)).toMatchObject({ error: 'NOT_FOUND' });
  });
});
