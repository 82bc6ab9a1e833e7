import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { buildLeaderboardEntry } from '#shared/leaderboard/leaderboard-entry.ts';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { rebuildLeaderboard } from '#shared/leaderboard/rebuild-leaderboard.ts';
import { rescorePhase, rescoreSubmission } from '#shared/leaderboard/rescore.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { SCORER_VERSION } from '#shared/scoring/scorer-version.ts';
import { getSubmission } from '#shared/submissions/submission-record.ts';
import { manualClock, startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { putLabels, putTeam, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';

/**
 * Four slides: rows 1 and 3 public, rows 2 and 4 private. Predictions are described by the class
 * given to each slide; TissueNet costs (true→pred): 0→1 0.1, 1→2 0.3, 2→3 0.3, 3→0 1.
 */
const TRUE_CLASSES = [0, 1, 2, 3];
const labels = tissuenetLabels(TRUE_CLASSES);
const PERFECT = [0, 1, 2, 3]; // public 1, private 1
const PUBLIC_MISS = [1, 1, 2, 3]; // public 1 − 0.1/2 = 0.95, private 1
const PRIVATE_MISS = [0, 1, 2, 0]; // public 1, private 1 − 1/2 = 0.5
const PUBLIC_AND_RANK_MISS = [1, 1, 3, 3]; // public 1 − (0.1 + 0.3)/2 = 0.8, private 1

let fixture: StorageFixture;
let tissuenet: Challenge;

beforeAll(async () => {
  fixture = await startStorageFixture();
  tissuenet = await loadChallenge('examples/tissuenet');
});
afterAll(() => fixture.close());

async function platform() {
  const clock = manualClock('2026-06-01T10:00:00Z');
  const ctx = await fixture.freshContext(clock.now);
  await registerChallenge(ctx, tissuenet);
  await putLabels(ctx, 'tissuenet', 'test', labels.csv);
  await putLabels(ctx, 'tissuenet', 'final', tissuenetLabels(TRUE_CLASSES, false).csv);
  let sequence = 0;
  /** Scores a submission of `teamId` one minute after the previous one. */
  const score = async (teamId: string, classes: number[], extra: { phaseId?: string; mode?: 'smoke'; baseline?: boolean } = {}) => {
    clock.advance(60_000);
    const id = `s-${++sequence}`;
    await submissionInScoring(ctx, {
      id,
      challengeId: 'tissuenet',
      phaseId: extra.phaseId ?? 'learning',
      teamId,
      predictions: tissuenetPredictions(labels.ids, classes),
      ...extra,
    });
    await runScoringJob(ctx, id, 1);
    return id;
  };
  return { ctx, clock, score };
}

const board = async (ctx: PodiumContext, view: 'public' | 'private' | 'overall', phaseId = 'learning') =>
  (await readLeaderboard(ctx, tissuenet, phaseId, view)).entries.map((entry) => [entry.rank, entry.teamId, entry.score]);

describe('leaderboard', () => {
  it('ranks the public board by public scores and the private board by private scores', async () => {
    const { ctx, score } = await platform();
    await score('team-a', PUBLIC_MISS);
    await score('team-b', PRIVATE_MISS);
    expect(await board(ctx, 'public')).toEqual([
      [1, 'team-b', 1],
      [2, 'team-a', 0.95],
    ]);
    expect(await board(ctx, 'private')).toEqual([
      [1, 'team-a', 1],
      [2, 'team-b', 0.5],
    ]);
  });

  it("keeps each team's best submission: a worse or equal later one changes nothing, a better one replaces it", async () => {
    const { ctx, score } = await platform();
    const publicEntry = async () => (await readLeaderboard(ctx, tissuenet, 'learning', 'public')).entries.map((entry) => [entry.submissionId, entry.score]);
    const first = await score('team-a', PUBLIC_MISS);
    await score('team-a', PUBLIC_AND_RANK_MISS);
    expect(await publicEntry()).toEqual([[first, 0.95]]);
    const better = await score('team-a', PERFECT);
    expect(await publicEntry()).toEqual([[better, 1]]);
    await score('team-a', PERFECT);
    expect(await publicEntry()).toEqual([[better, 1]]);
  });

  it('shares ranks between equal scores, listing the earlier submission first (1, 2, 2, 4)', async () => {
    const { ctx, score } = await platform();
    await score('team-a', PERFECT);
    await score('team-b', PUBLIC_MISS);
    await score('team-c', [1, 1, 2, 0]); // public 0.95 as well
    await score('team-d', PUBLIC_AND_RANK_MISS);
    expect(await board(ctx, 'public')).toEqual([
      [1, 'team-a', 1],
      [2, 'team-b', 0.95],
      [2, 'team-c', 0.95],
      [4, 'team-d', 0.8],
    ]);
  });

  it('pages with a cursor and keeps ranks across pages', async () => {
    const { ctx, score } = await platform();
    for (const team of ['team-a', 'team-b', 'team-c']) await score(team, PUBLIC_MISS);
    await score('team-d', PUBLIC_AND_RANK_MISS);
    const first = await readLeaderboard(ctx, tissuenet, 'learning', 'public', { limit: 2 });
    const second = await readLeaderboard(ctx, tissuenet, 'learning', 'public', { limit: 2, cursor: first.nextCursor! });
    expect(first.entries.map((entry) => [entry.rank, entry.teamId])).toEqual([
      [1, 'team-a'],
      [1, 'team-b'],
    ]);
    expect(second.entries.map((entry) => [entry.rank, entry.teamId])).toEqual([
      [1, 'team-c'],
      [4, 'team-d'],
    ]);
    expect(second.nextCursor).toBeUndefined();
    await expect(readLeaderboard(ctx, tissuenet, 'learning', 'private', { cursor: first.nextCursor! })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(readLeaderboard(ctx, tissuenet, 'learning', 'public', { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('shows team names, marks baselines, and hides disqualified teams until reinstated', async () => {
    const { ctx, score } = await platform();
    await putTeam(ctx, 'tissuenet', 'team-a', { name: 'Alpha' });
    await putTeam(ctx, 'tissuenet', 'organisers', { name: 'Organisers' });
    await putTeam(ctx, 'tissuenet', 'team-c', { name: 'Cheaters', disqualified: true });
    await score('team-c', PERFECT);
    await score('organisers', PUBLIC_MISS, { baseline: true });
    await score('team-a', PUBLIC_AND_RANK_MISS);
    const page = await readLeaderboard(ctx, tissuenet, 'learning', 'public');
    expect(page.entries.map(({ rank, teamName, baseline }) => ({ rank, teamName, baseline }))).toEqual([
      { rank: 1, teamName: 'Organisers', baseline: true },
      { rank: 2, teamName: 'Alpha', baseline: undefined },
    ]);
    await putTeam(ctx, 'tissuenet', 'team-c', { name: 'Cheaters', disqualified: false });
    expect((await board(ctx, 'public'))[0]).toEqual([1, 'team-c', 1]);
  });

  it('hides a team merged into another: its entry is gone and its submissions count for the survivor', async () => {
    const { ctx, score } = await platform();
    await putTeam(ctx, 'tissuenet', 'team-a', { name: 'Alpha' });
    await putTeam(ctx, 'tissuenet', 'team-b', { name: 'Beta' });
    await score('team-a', PUBLIC_AND_RANK_MISS);
    const better = await score('team-b', PERFECT);
    // What mergeTeams does once members and submissions have moved to the survivor.
    await putTeam(ctx, 'tissuenet', 'team-b', { name: 'Beta', mergedInto: 'team-a' });
    expect(await board(ctx, 'public')).toEqual([[1, 'team-a', 0.8]]);
    await ctx.db.send(new PutCommand({ TableName: ctx.config.tableName, Item: { ...(await getSubmission(ctx, better)), teamId: 'team-a' } }));
    await rebuildLeaderboard(ctx, tissuenet, 'learning');
    const entries = (await readLeaderboard(ctx, tissuenet, 'learning', 'public')).entries;
    expect(entries.map(({ rank, teamId, score: s, submissionId }) => [rank, teamId, s, submissionId])).toEqual([[1, 'team-a', 1, better]]);
  });

  it('never lists smoke runs', async () => {
    const { ctx, score } = await platform();
    await putLabels(ctx, 'tissuenet', 'smoke', labels.csv.replace(',usage', '').replace(/,(public|private)$/gm, ''), true);
    await score('team-a', PERFECT, { mode: 'smoke' });
    expect(await board(ctx, 'public')).toEqual([]);
  });

  it('serves every view of a phase without split column from its single overall board', async () => {
    const { ctx, score } = await platform();
    await score('team-a', PRIVATE_MISS, { phaseId: 'final' }); // 1 − 1/4 = 0.75 on all rows
    const page = await readLeaderboard(ctx, tissuenet, 'final', 'public');
    expect(page.split).toBe('overall');
    expect(page.entries.map((entry) => entry.score)).toEqual([0.75]);
    expect(await board(ctx, 'private', 'final')).toEqual([[1, 'team-a', 0.75]]);
  });
});

describe('rebuild and rescore', () => {
  it('rescoring after a metric fix updates scores and reorders the board; quotas and submissions untouched', async () => {
    const { ctx, score } = await platform();
    const a = await score('team-a', PUBLIC_MISS); // public cost 0.1 (0→1)
    const b = await score('team-b', [0, 2, 2, 3]); // public: row 3 exact, row 1 exact → 1; private cost 1→2 = 0.3 → 0.85
    const quotaBefore = (await getSubmission(ctx, a)).quotaSettledAt;
    // The organiser fixes the metric: confusing 0 with 1 now costs 0.5 instead of 0.1.
    const fixed: Challenge = {
      ...tissuenet,
      metric: {
        kind: 'cost-matrix',
        matrix: [
          [0, 0.5, 0.7, 1],
          [0.5, 0, 0.3, 0.7],
          [0.7, 0.3, 0, 0.3],
          [1, 0.7, 0.3, 0],
        ],
      },
    };
    await registerChallenge(ctx, fixed);

    const result = await rescorePhase(ctx, 'tissuenet', 'learning');

    expect(result.results.map((r) => r.rescored)).toEqual([true, true]);
    const rescored = await getSubmission(ctx, a);
    expect(rescored.scores).toMatchObject({ public: 0.75, private: 1, overall: 0.875, scorerVersion: SCORER_VERSION });
    expect(rescored.quotaSettledAt).toBe(quotaBefore);
    expect((await readLeaderboard(ctx, fixed, 'learning', 'public')).entries.map((entry) => [entry.submissionId, entry.score])).toEqual([
      [b, 1],
      [a, 0.75],
    ]);
    expect(await rescoreSubmission(ctx, a)).toMatchObject({ rescored: true, scores: { public: 0.75 }, leaderboard: { written: 0, removed: 0 } });
  });

  it('removes stale entries of teams with no scored submission and restores missing best entries', async () => {
    const { ctx, score } = await platform();
    const a = await score('team-a', PUBLIC_MISS);
    const ghost = buildLeaderboardEntry(
      { id: 's-ghost', challengeId: 'tissuenet', phaseId: 'learning', teamId: 'team-ghost', createdAt: '2026-06-01T09:00:00.000Z' },
      tissuenet,
      'public',
      1,
      { scorerVersion: SCORER_VERSION },
    );
    await ctx.db.send(new PutCommand({ TableName: ctx.config.tableName, Item: ghost }));

    expect(await rebuildLeaderboard(ctx, tissuenet, 'learning')).toEqual({ written: 0, removed: 1, unchanged: 2 });
    expect((await readLeaderboard(ctx, tissuenet, 'learning', 'public')).entries.map((entry) => entry.submissionId)).toEqual([a]);
    expect(await rebuildLeaderboard(ctx, tissuenet, 'learning')).toEqual({ written: 0, removed: 0, unchanged: 2 });
  });

  it('refuses to rescore a submission that is not scored', async () => {
    const { ctx } = await platform();
    await submissionInScoring(ctx, { id: 's-x', challengeId: 'tissuenet', phaseId: 'learning', teamId: 'team-a', predictions: 'filename,0,1,2,3\n' });
    await expect(rescoreSubmission(ctx, 's-x')).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});
