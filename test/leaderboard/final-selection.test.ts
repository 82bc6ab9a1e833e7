import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { readFile } from 'node:fs/promises';
import { loadChallenge, parseChallengeYaml, type Challenge } from '#shared/challenge/load-challenge.ts';
import { PodiumError } from '#shared/errors.ts';
import type { PodiumContext } from '#shared/context.ts';
import { buildLeaderboardEntry } from '#shared/leaderboard/leaderboard-entry.ts';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { rebuildLeaderboard } from '#shared/leaderboard/rebuild-leaderboard.ts';
import { refreshPrivateEntry } from '#shared/leaderboard/private-board.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { addToFinalSelection, removeFromFinalSelection } from '#shared/submissions/final-selection-record.ts';
import { getSubmission } from '#shared/submissions/submission-record.ts';
import { manualClock, startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';

/**
 * Four slides: rows 1 and 3 public, rows 2 and 4 private (TissueNet costs: 0→1 0.1, 1→0 0.1,
 * 1→2 0.3, 2→3 0.3, 3→0 1). Each prediction is named by its public and private scores.
 */
const labels = tissuenetLabels([0, 1, 2, 3]);
const PUBLIC_08_PRIVATE_1 = [1, 1, 3, 3];
const PUBLIC_1_PRIVATE_05 = [0, 1, 2, 0];
const PUBLIC_1_PRIVATE_085 = [0, 2, 2, 3];
const PUBLIC_1_PRIVATE_095 = [0, 0, 2, 3];

let fixture: StorageFixture;
let tissuenet: Challenge;

beforeAll(async () => {
  fixture = await startStorageFixture();
  tissuenet = await loadChallenge('examples/tissuenet');
});
afterAll(() => fixture.close());

async function platform(challenge = tissuenet) {
  const clock = manualClock('2026-06-01T10:00:00Z');
  const ctx = await fixture.freshContext(clock.now);
  await registerChallenge(ctx, challenge);
  await putLabels(ctx, challenge.id, 'test', labels.csv);
  let sequence = 0;
  const score = async (teamId: string, classes: number[]) => {
    clock.advance(60_000);
    const id = `s-${++sequence}`;
    await submissionInScoring(ctx, { id, challengeId: challenge.id, phaseId: 'learning', teamId, predictions: tissuenetPredictions(labels.ids, classes) });
    await runScoringJob(ctx, id, 1);
    return id;
  };
  return { ctx, score };
}

const privateBoard = async (ctx: PodiumContext, challenge = tissuenet) =>
  (await readLeaderboard(ctx, challenge, 'learning', 'private')).entries.map((entry) => [entry.rank, entry.teamId, entry.score, entry.submissionId]);

const ranked = async (ctx: PodiumContext, challenge = tissuenet) => (await privateBoard(ctx, challenge)).map((row) => row.slice(0, 3));

describe('the private board ranks what each team chose', () => {
  it("without selections, a team's best private score among its top 2 public ones; its better private score elsewhere does not count", async () => {
    const { ctx, score } = await platform();
    const hidden = await score('team-a', PUBLIC_08_PRIVATE_1);
    await score('team-a', PUBLIC_1_PRIVATE_05);
    const counted = await score('team-a', PUBLIC_1_PRIVATE_085);
    const other = await score('team-b', PUBLIC_1_PRIVATE_095);
    // "Best private" would rank team-a first with 1, from `hidden`: third by public score, not counted.
    expect(await privateBoard(ctx)).toEqual([
      [1, 'team-b', 0.95, other],
      [2, 'team-a', 0.85, counted],
    ]);
    expect((await privateBoard(ctx)).some(([, , , id]) => id === hidden)).toBe(false);
  });

  it('with selections, the best private score among them only, whatever the public scores say', async () => {
    const { ctx, score } = await platform();
    const chosen = await score('team-a', PUBLIC_08_PRIVATE_1);
    const publicBest = await score('team-a', PUBLIC_1_PRIVATE_05);
    await score('team-a', PUBLIC_1_PRIVATE_085);
    await score('team-b', PUBLIC_1_PRIVATE_095);

    await addToFinalSelection(ctx, 'tissuenet', 'learning', 'team-a', publicBest, 2);
    await refreshPrivateEntry(ctx, tissuenet, 'learning', 'team-a');
    expect((await privateBoard(ctx))[1]).toEqual([2, 'team-a', 0.5, publicBest]);

    await addToFinalSelection(ctx, 'tissuenet', 'learning', 'team-a', chosen, 2);
    await refreshPrivateEntry(ctx, tissuenet, 'learning', 'team-a');
    expect((await privateBoard(ctx))[0]).toEqual([1, 'team-a', 1, chosen]);

    // Clearing every selection falls back to the top 2 by public score.
    await removeFromFinalSelection(ctx, 'tissuenet', 'learning', 'team-a', chosen);
    await removeFromFinalSelection(ctx, 'tissuenet', 'learning', 'team-a', publicBest);
    await refreshPrivateEntry(ctx, tissuenet, 'learning', 'team-a');
    expect((await ranked(ctx))[1]).toEqual([2, 'team-a', 0.85]);
  });

  it('a new public best can push the private entry down: scoring recomputes the entry, it does not only improve it', async () => {
    const { ctx, score } = await platform();
    await score('team-a', PUBLIC_08_PRIVATE_1);
    expect(await ranked(ctx)).toEqual([[1, 'team-a', 1]]);
    await score('team-a', PUBLIC_1_PRIVATE_05);
    expect(await ranked(ctx)).toEqual([[1, 'team-a', 1]]); // both in the top 2
    await score('team-a', PUBLIC_1_PRIVATE_05);
    // The top 2 by public score are now the two scoring 1: the private 1 no longer counts.
    expect(await ranked(ctx)).toEqual([[1, 'team-a', 0.5]]);
  });

  it('finalSelections: 1 counts only the single best public submission', async () => {
    const one = structuredClone(tissuenet);
    one.phases.find((phase) => phase.id === 'learning')!.finalSelections = 1;
    const { ctx, score } = await platform(one);
    await score('team-a', PUBLIC_1_PRIVATE_05);
    await score('team-a', PUBLIC_1_PRIVATE_085);
    expect(await ranked(ctx, one)).toEqual([[1, 'team-a', 0.5]]);
  });

  it('a rebuild (rescore, merge) applies the same rule and repairs an entry written by the old "best private" rule', async () => {
    const { ctx, score } = await platform();
    const hidden = await score('team-a', PUBLIC_08_PRIVATE_1);
    await score('team-a', PUBLIC_1_PRIVATE_05);
    await score('team-a', PUBLIC_1_PRIVATE_085);
    const stale = buildLeaderboardEntry(await getSubmission(ctx, hidden), tissuenet, 'private', 1, { scorerVersion: 'old' });
    await ctx.db.send(new PutCommand({ TableName: ctx.config.tableName, Item: stale }));
    expect(await privateBoard(ctx)).toEqual([[1, 'team-a', 1, hidden]]);
    await rebuildLeaderboard(ctx, tissuenet, 'learning');
    expect(await ranked(ctx)).toEqual([[1, 'team-a', 0.85]]);
  });

  it('finalSelections is refused on a phase without public/private split, which has no private board', async () => {
    const yaml = await readFile('examples/tissuenet/challenge.yaml', 'utf8');
    expect(parseChallengeYaml(yaml.replace('    dataset: test\n', '    dataset: test\n    finalSelections: 3\n')).phases[0]!.finalSelections).toBe(3);
    const refused = (() => {
      try {
        parseChallengeYaml(yaml.replace('    dataset: final\n', '    dataset: final\n    finalSelections: 3\n'));
      } catch (error) {
        return error as PodiumError;
      }
    })();
    expect(refused).toBeInstanceOf(PodiumError);
    expect(refused!.message).toContain('phases[1].finalSelections: needs a dataset with a splitColumn');
  });
});
