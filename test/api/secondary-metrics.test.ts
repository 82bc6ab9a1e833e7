import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeFileSchema } from '#shared/challenge/definition-schema.ts';
import { rebuildLeaderboard } from '#shared/leaderboard/rebuild-leaderboard.ts';
import { writeRunOutcome } from '#shared/pipeline/run-outcome.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { getSubmission, transitionSubmission } from '#shared/submissions/submission-record.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { startApi, type ApiHarness } from './api-harness.ts';
import { withSecondaryScores } from './secondary-scores-challenge.ts';

/**
 * Accuracy ranks; macro-F1 (higher is better) breaks its ties, then the TissueNet cost (lower is
 * better). Public rows (even indices) hold classes 0, 0, 1, 2; every private row is predicted right.
 */
const CLASSES = [0, 3, 0, 3, 1, 3, 2, 3];
const labels = tissuenetLabels(CLASSES);
/** One public error on a class-0 row: accuracy 3/4, macro-F1 over the classes seen (2/3 + 2/3 + 1) / 3, cost 1 − 0.1/4. */
const MISSES_A_ZERO = [1, 3, 0, 3, 1, 3, 2, 3];
/** One public error on the class-2 row: accuracy 3/4 too, macro-F1 (0.8 + 1 + 0) / 3, lower; cost 1 − 0.7/4. */
const MISSES_THE_TWO = [0, 3, 0, 3, 1, 3, 0, 3];

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await startStorageFixture();
});
afterAll(() => fixture.close());

async function setUp(): Promise<{ api: ApiHarness; scored: (teamId: string, classes: number[]) => Promise<string> }> {
  const api = await startApi(fixture, [await withSecondaryScores()]);
  await putLabels(api.ctx, 'tissuenet', 'test', labels.csv);
  let sequence = 0;
  const scored = async (teamId: string, classes: number[]) => {
    api.clock.advance(60_000);
    const id = `s-${teamId}-${++sequence}`;
    await submissionInScoring(api.ctx, { id, challengeId: 'tissuenet', phaseId: 'learning', teamId, predictions: tissuenetPredictions(labels.ids, classes) });
    expect(await runScoringJob(api.ctx, id, 1)).toMatchObject({ outcome: 'scored' });
    return id;
  };
  return { api, scored };
}

describe('several named scores', () => {
  it('accepts secondaryMetrics in the challenge file, and refuses a duplicate name or a metric the format cannot take', async () => {
    const parsed = await withSecondaryScores();
    expect(parsed.secondaryMetrics.map((metric) => metric.name)).toEqual(['macro_f1', 'cost']);
    const file = { ...(await loadChallenge('examples/tissuenet')) } as Record<string, unknown>;
    for (const key of ['rulesVersion', 'descriptionMarkdown', 'rulesMarkdown', 'pagesMarkdown']) delete file[key];
    const twice = challengeFileSchema.safeParse({
      ...file,
      secondaryMetrics: [
        { name: 'acc', kind: 'accuracy' },
        { name: 'acc', kind: 'mae' },
      ],
    });
    expect(twice.success).toBe(false);
    expect(JSON.stringify(twice.error?.issues)).toContain('duplicates score \\"acc\\"');
    const auc = challengeFileSchema.safeParse({ ...file, secondaryMetrics: [{ name: 'auc', kind: 'roc-auc' }] });
    expect(auc.success).toBe(false);
    expect(auc.error?.issues.map((issue) => issue.path.join('.'))).toContain('secondaryMetrics.0.kind');
  });

  it('stores every score on the submission and the board; secondary scores break ties before submission time', async () => {
    const { api, scored } = await setUp();
    const first = await scored('team-early', MISSES_THE_TWO);
    const better = await scored('team-better', MISSES_A_ZERO);
    const same = await scored('team-same', MISSES_A_ZERO);

    const submission = await getSubmission(api.ctx, better);
    expect(submission.scores?.public).toBe(0.75);
    expect(submission.scores?.secondary?.macro_f1?.public).toBeCloseTo((2 / 3 + 2 / 3 + 1) / 3, 12);
    expect(submission.scores?.secondary?.cost?.public).toBeCloseTo(1 - 0.1 / 4, 12);

    const response = await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard');
    const board = (await response.json()) as {
      scores: unknown[];
      entries: { rank: number; submissionId: string; score: number; secondaryScores: Record<string, number> }[];
    };
    expect(board.scores).toEqual([
      { name: 'score', kind: 'accuracy', direction: 'higher-is-better', precision: 4, primary: true },
      { name: 'macro_f1', kind: 'macro-f1', direction: 'higher-is-better', precision: 4, primary: false },
      { name: 'cost', kind: 'cost-matrix', direction: 'higher-is-better', precision: 2, primary: false },
    ]);
    // Equal accuracy: the better macro-F1 ranks first although submitted later; equal on every score: one rank, the earlier first.
    expect(board.entries.map((entry) => [entry.rank, entry.submissionId, entry.score])).toEqual([
      [1, better, 0.75],
      [1, same, 0.75],
      [3, first, 0.75],
    ]);
    expect(board.entries[0]!.secondaryScores).toEqual({ macro_f1: 0.7778, cost: Number((1 - 0.1 / 4).toFixed(2)) });
    expect(board.entries[2]!.secondaryScores).toEqual({ macro_f1: 0.6, cost: Number((1 - 0.7 / 4).toFixed(2)) });
  });

  it("shows a team its own secondary scores under the primary score's visibility (public only before publication)", async () => {
    const { api } = await setUp();
    const alice = await api.competitor('alice@example.org');
    const created = (await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', alice, { archiveBytes: 10 })).json()) as {
      submission: { id: string; teamId: string };
    };
    const id = created.submission.id;
    for (const to of ['UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'SCORING'] as const) await transitionSubmission(api.ctx, id, { to });
    await api.ctx.s3.send(
      new PutObjectCommand({
        Bucket: api.ctx.config.predictionsBucket,
        Key: objectKeys.predictions(id, 1),
        Body: tissuenetPredictions(labels.ids, MISSES_A_ZERO),
      }),
    );
    await writeRunOutcome(api.ctx.s3, api.ctx.config.predictionsBucket, { result: 'predicted', submissionId: id, attempt: 1, rows: 8 });
    await runScoringJob(api.ctx, id, 1);
    const mine = (await (await api.call('GET', `/submissions/${id}`, alice)).json()) as { score: unknown };
    expect(mine.score).toEqual({ public: 0.75, secondary: { macro_f1: { public: 0.7778 }, cost: { public: Number((1 - 0.1 / 4).toFixed(2)) } } });
  });

  it("replaces a team's entry with its later submission that ties the primary score and beats it on a secondary one", async () => {
    const { api, scored } = await setUp();
    await scored('team-a', MISSES_THE_TWO);
    const improved = await scored('team-a', MISSES_A_ZERO);
    await scored('team-a', MISSES_THE_TWO);
    const board = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard')).json()) as { entries: { submissionId: string }[] };
    expect(board.entries.map((entry) => entry.submissionId)).toEqual([improved]);
  });

  it('exports every score column to CSV, and a rebuild keeps the order', async () => {
    const { api, scored } = await setUp();
    const first = await scored('team-early', MISSES_THE_TWO);
    const better = await scored('team-better', MISSES_A_ZERO);
    const organiser = await api.login('org@example.org', 'organiser');
    const csv = await (await api.call('GET', '/admin/challenges/tissuenet/exports/leaderboard.csv?phase=learning', organiser)).text();
    const [header, top, second] = csv.trim().split(/\r?\n/);
    expect(header).toBe('rank,teamId,teamName,score,macro_f1,cost,submissionId,submittedAt');
    expect(top).toContain(`,0.75,0.7778,${Number((1 - 0.1 / 4).toFixed(2))},${better},`);
    expect(second).toContain(`,0.75,0.6,${Number((1 - 0.7 / 4).toFixed(2))},${first},`);

    const challenge = await withSecondaryScores();
    expect(await rebuildLeaderboard(api.ctx, challenge, 'learning')).toMatchObject({ written: 0, removed: 0 });
    expect((await readLeaderboard(api.ctx, challenge, 'learning', 'public')).entries.map((entry) => entry.submissionId)).toEqual([better, first]);
  });
});
