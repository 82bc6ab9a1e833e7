import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '#shared/audit/audit-log.ts';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { PodiumError } from '#shared/errors.ts';
import { exportChallengeArchive, restoreChallengeArchive } from '#shared/exports/challenge-archive.ts';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { writeRunOutcome } from '#shared/pipeline/run-outcome.ts';
import { applyRerun } from '#shared/reruns/apply-rerun.ts';
import { failRerun, getRerun, requestRerun } from '#shared/reruns/rerun-request.ts';
import { runCompareJob } from '#shared/reruns/run-compare-job.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { keys } from '#shared/storage/table-design.ts';
import { getPhaseControl } from '#shared/submissions/phase-control.ts';
import { getSubmission } from '#shared/submissions/submission-record.ts';
import { submissionView } from '#shared/submissions/submission-view.ts';
import { RecordingRunner } from '../pipeline/support/recording-runner.ts';
import { itemsOf, putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { manualClock, startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

/**
 * Applying a rerun, on dynalite and s3rver: two teams scored on TissueNet's learning phase (a
 * public and a private split; odd rows private), a rerun of both whose compare step runs on
 * rerun outputs as the rerun jobs leave them. Team A's rerun gives the same predictions, team B's
 * others (as unseeded randomness would).
 */
const TRUE = [0, 1, 2, 3, 0, 1, 2, 3];
const labels = tissuenetLabels(TRUE);
const B_ORIGINAL = [0, 0, 2, 3, 0, 1, 2, 3]; // one private row wrong
const B_RERUN = [0, 3, 2, 0, 0, 1, 2, 3]; // two private rows far off

let fixture: StorageFixture;
let tissuenet: Challenge;

beforeAll(async () => {
  fixture = await startStorageFixture();
  tissuenet = await loadChallenge('examples/tissuenet');
});
afterAll(() => fixture.close());

async function scoredPhase() {
  const clock = manualClock('2026-06-01T10:00:00Z');
  const ctx = await fixture.freshContext(clock.now);
  await registerChallenge(ctx, tissuenet);
  await putLabels(ctx, 'tissuenet', 'test', labels.csv);
  const score = async (id: string, teamId: string, classes: number[]) => {
    clock.advance(60_000);
    await submissionInScoring(ctx, { id, challengeId: 'tissuenet', phaseId: 'learning', teamId, predictions: tissuenetPredictions(labels.ids, classes) });
    await runScoringJob(ctx, id, 1);
  };
  await score('s-a', 'team-a', TRUE);
  await score('s-b', 'team-b', B_ORIGINAL);
  clock.advance(60_000);
  return { ctx, clock, score };
}

/** What the two rerun jobs leave: predictions and an outcome under the rerun's keys. */
async function rerunOutputs(ctx: PodiumContext, rerunId: string, runs: Record<string, number[]>) {
  for (const [submissionId, classes] of Object.entries(runs)) {
    const outputs = objectKeys.rerunOutputs(rerunId, submissionId);
    const body = tissuenetPredictions(labels.ids, classes);
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: outputs.predictions, Body: body }));
    await writeRunOutcome(ctx.s3, ctx.config.predictionsBucket, { result: 'predicted', submissionId, attempt: 1, rows: classes.length }, outputs.outcome);
  }
}

async function comparedRerun(ctx: PodiumContext) {
  const requested = await requestRerun(ctx, new RecordingRunner(), {
    challenge: tissuenet,
    phaseId: 'learning',
    top: 2,
    tolerance: 1e-9,
    requestedBy: 'org-1',
  });
  await rerunOutputs(ctx, requested.rerunId, { 's-a': TRUE, 's-b': B_RERUN });
  return runCompareJob(ctx, requested.rerunId);
}

const privateBoard = async (ctx: PodiumContext) =>
  (await readLeaderboard(ctx, tissuenet, 'learning', 'private')).entries.map((entry) => [entry.teamId, entry.submissionId, entry.score]);
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('applying was accepted'),
    (error: unknown) => {
      expect(error).toBeInstanceOf(PodiumError);
      return error as PodiumError;
    },
  );

describe('applying a rerun', () => {
  it("replaces the different team's recorded scores with the rerun's, rebuilds the board, audit-logs old and new, and is a no-op the second time", async () => {
    const { ctx } = await scoredPhase();
    const compared = await comparedRerun(ctx);
    expect(compared.status).toBe('SUCCEEDED');
    const resultOf = (teamId: string) => compared.results!.find((result) => result.teamId === teamId)!;
    expect(resultOf('team-a').verdict).toBe('identical');
    expect(resultOf('team-b').verdict).toBe('different');
    const originalB = (await getSubmission(ctx, 's-b')).scores!;
    const rerunB = resultOf('team-b').rerunScores!;
    expect(rerunB.private).not.toBe(originalB.private);
    const quotaBefore = await itemsOf(ctx, `QUOTA#tissuenet#learning#team-b`);

    const applied = await applyRerun(ctx, { rerunId: compared.rerunId, appliedBy: 'org-2' });
    expect(applied).toMatchObject({ alreadyApplied: false, split: 'private' });
    expect(applied.teams).toEqual([
      expect.objectContaining({ teamId: 'team-b', submissionId: 's-b', outcome: 'applied', previousScore: originalB.private, newScore: rerunB.private }),
    ]);
    // The board shows the rerun's score; team A, identical, is untouched.
    expect(await privateBoard(ctx)).toEqual([
      ['team-a', 's-a', 1],
      ['team-b', 's-b', rerunB.private],
    ]);
    const b = await getSubmission(ctx, 's-b');
    expect(b.scores).toMatchObject({ private: rerunB.private, public: rerunB.public, overall: rerunB.overall, scorerVersion: rerunB.scorerVersion });
    expect(b.rerunApplied).toMatchObject({ rerunId: compared.rerunId, appliedBy: 'org-2', previous: originalB });
    // The team learns its score is a rerun's; the scores it replaced (private ones among them) stay with organisers.
    const control = await getPhaseControl(ctx, 'tissuenet', 'learning');
    expect(submissionView(tissuenet, b, control).rerunApplied).toEqual({ rerunId: compared.rerunId, appliedAt: b.rerunApplied!.appliedAt });
    expect(submissionView(tissuenet, b, control, true).rerunApplied).toEqual(b.rerunApplied);
    // The score records hold the applied scores; quotas never move.
    const records = (await itemsOf(ctx, keys.submission('s-b').pk)).filter((item) => item.kind === 'score');
    expect(records.find((record) => record.split === 'private')).toMatchObject({ score: rerunB.private });
    expect(await itemsOf(ctx, `QUOTA#tissuenet#learning#team-b`)).toEqual(quotaBefore);
    const audited = (await listAudit(ctx, 'tissuenet')).filter((entry) => entry.action === 'rerun.applied');
    expect(audited).toEqual([
      expect.objectContaining({
        actor: 'org-2',
        details: expect.objectContaining({ rerunId: compared.rerunId, teamId: 'team-b', previousScore: originalB.private, newScore: rerunB.private }),
      }),
    ]);
    expect([...(await getRerun(ctx, compared.rerunId)).appliedTeams!]).toEqual(['team-b']);

    const again = await applyRerun(ctx, { rerunId: compared.rerunId, appliedBy: 'org-3' });
    expect(again.alreadyApplied).toBe(true);
    expect(again.teams).toEqual([expect.objectContaining({ teamId: 'team-b', outcome: 'already-applied', newScore: rerunB.private })]);
    expect((await listAudit(ctx, 'tissuenet')).filter((entry) => entry.action === 'rerun.applied')).toHaveLength(1);
    expect(await getSubmission(ctx, 's-b')).toEqual(b);

    // A chosen team whose rerun scored the same has nothing to apply; a team not in the rerun is named.
    const same = await applyRerun(ctx, { rerunId: compared.rerunId, teams: ['team-a'], appliedBy: 'org-2' });
    expect(same.teams).toEqual([expect.objectContaining({ teamId: 'team-a', outcome: 'skipped', reason: expect.stringContaining('scored the same') })]);
    const unknown = await refusal(applyRerun(ctx, { rerunId: compared.rerunId, teams: ['team-z'], appliedBy: 'org-2' }));
    expect(unknown.message).toBe(`team "team-z" is not in rerun ${compared.rerunId} (its teams: team-a, team-b)`);

    // The challenge archive carries the rerun request and the applied scores into another Podium.
    const restored = await fixture.freshContext();
    await restoreChallengeArchive(restored, JSON.parse(JSON.stringify(await exportChallengeArchive(ctx, 'tissuenet', { pseudonymise: false }))));
    expect(await getRerun(restored, compared.rerunId)).toEqual(await getRerun(ctx, compared.rerunId));
    expect(await privateBoard(restored)).toEqual(await privateBoard(ctx));
    expect((await getSubmission(restored, 's-b')).rerunApplied).toEqual(b.rerunApplied);
  });

  it('is refused while the rerun is still running, and when it failed', async () => {
    const { ctx } = await scoredPhase();
    const requested = await requestRerun(ctx, new RecordingRunner(), { challenge: tissuenet, phaseId: 'learning', top: 2, tolerance: 0, requestedBy: 'org-1' });
    const running = await refusal(applyRerun(ctx, { rerunId: requested.rerunId, appliedBy: 'org-2' }));
    expect(running.code).toBe('INVALID_STATE');
    expect(running.message).toContain(`rerun ${requested.rerunId} is still QUEUED; apply it once it has SUCCEEDED`);

    await failRerun(ctx, requested.rerunId, 'a rerun job failed on a platform error');
    const failed = await refusal(applyRerun(ctx, { rerunId: requested.rerunId, appliedBy: 'org-2' }));
    expect(failed.message).toContain('FAILED (a rerun job failed on a platform error); it has nothing to apply');
    expect(await getSubmission(ctx, 's-b')).not.toHaveProperty('rerunApplied');
  });

  it('is refused, changing nothing, once the board has changed since the rerun', async () => {
    const { ctx, score } = await scoredPhase();
    const compared = await comparedRerun(ctx);
    // Team B scores better since: its entry now holds another submission.
    await score('s-b2', 'team-b', TRUE);
    const boardBefore = await privateBoard(ctx);
    const stale = await refusal(applyRerun(ctx, { rerunId: compared.rerunId, appliedBy: 'org-2' }));
    expect(stale.code).toBe('CONFLICT');
    expect(stale.message).toContain(`rerun ${compared.rerunId} is stale: team team-b now ranks with submission s-b2 on the private board`);
    expect(await privateBoard(ctx)).toEqual(boardBefore);
    expect(await getSubmission(ctx, 's-b')).not.toHaveProperty('rerunApplied');
    expect((await listAudit(ctx, 'tissuenet')).filter((entry) => entry.action === 'rerun.applied')).toEqual([]);
  });
});
