import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { SCORER_VERSION } from '#shared/scoring/scorer-version.ts';
import { getSubmission, transitionSubmission } from '#shared/submissions/submission-record.ts';
import { failureMessages } from '#shared/pipeline/failure-messages.ts';
import { writeRunOutcome } from '#shared/pipeline/run-outcome.ts';
import { keys } from '#shared/storage/table-design.ts';
import { scoringProgramFrom } from '#shared/challenge/scoring-program.ts';
import { addMemberWithinLimit } from '#shared/storage/conditional-writes.ts';
import { COUNTER, counterValue } from '#shared/submissions/quota.ts';
import { manualClock, startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { itemsOf, putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from './scoring-fixture.ts';

// Costs by hand (TissueNet matrix), true→pred: 0→0 0, 1→1 0, 2→3 0.3, 3→3 0; public rows 1 and 3, private rows 2 and 4.
const TRUE_CLASSES = [0, 1, 2, 3];
const PREDICTED = [0, 1, 3, 3];
const labels = tissuenetLabels(TRUE_CLASSES);

let fixture: StorageFixture;
let tissuenet: Challenge;

beforeAll(async () => {
  fixture = await startStorageFixture();
  tissuenet = await loadChallenge('examples/tissuenet');
});
afterAll(() => fixture.close());

async function freshPlatform(): Promise<PodiumContext> {
  const ctx = await fixture.freshContext(manualClock('2026-06-01T10:00:00Z').now);
  await registerChallenge(ctx, tissuenet);
  await putLabels(ctx, 'tissuenet', 'test', labels.csv);
  return ctx;
}

const base = { challengeId: 'tissuenet', phaseId: 'learning', teamId: 'team-a' };

describe('runScoringJob', () => {
  it('scores valid predictions: SCORED with scores, score records, a leaderboard entry, quota settled', async () => {
    const ctx = await freshPlatform();
    await submissionInScoring(ctx, { ...base, id: 's-1', predictions: tissuenetPredictions(labels.ids, PREDICTED) });

    const result = await runScoringJob(ctx, 's-1', 1);

    const expected = { overall: 1 - 0.3 / 4, public: 1 - 0.3 / 2, private: 1 };
    expect(result).toMatchObject({ outcome: 'scored' });
    const submission = await getSubmission(ctx, 's-1');
    expect(submission.status).toBe('SCORED');
    expect(submission.scores).toEqual({ ...expected, scorerVersion: SCORER_VERSION, scoredAt: '2026-06-01T10:00:00.000Z' });
    expect(submission.quotaSettledAt).toBeDefined();
    const records = (await itemsOf(ctx, keys.submission('s-1').pk)).filter((item) => item.kind === 'score');
    expect(records.map((record) => [record.sk, record.score])).toEqual([
      [keys.scoreRecord('s-1', 'overall', SCORER_VERSION).sk, expected.overall],
      [keys.scoreRecord('s-1', 'private', SCORER_VERSION).sk, expected.private],
      [keys.scoreRecord('s-1', 'public', SCORER_VERSION).sk, expected.public],
    ]);
    const board = await readLeaderboard(ctx, tissuenet, 'learning', 'private');
    expect(board.entries).toEqual([{ rank: 1, teamId: 'team-a', score: 1, submissionId: 's-1', submittedAt: '2026-06-01T10:00:00.000Z' }]);
  });

  it('records the launcher’s failure of the current attempt, never a late attempt’s files', async () => {
    const ctx = await freshPlatform();
    // Attempt 1 predicted (its job was superseded by a platform retry, then finished late);
    // attempt 2, the current one, failed on hidden data.
    await submissionInScoring(ctx, { ...base, id: 's-7', predictions: tissuenetPredictions(labels.ids, PREDICTED) });
    await transitionSubmission(ctx, 's-7', { to: 'QUEUED', from: ['SCORING'], attempt: 1, set: { attempt: 2 } });
    for (const to of ['RUNNING', 'SCORING'] as const) await transitionSubmission(ctx, 's-7', { to });
    const failure = {
      reason: 'USER_ERROR' as const,
      message: 'main.py exited with code 1: ValueError: test_0003.pgm',
      summary: failureMessages.userErrorOnHiddenData(),
    };
    await writeRunOutcome(ctx.s3, ctx.config.predictionsBucket, { result: 'failed', submissionId: 's-7', attempt: 2, failure, codeRan: true });

    expect(await runScoringJob(ctx, 's-7', 2)).toMatchObject({ outcome: 'failed' });
    const submission = await getSubmission(ctx, 's-7');
    expect(submission).toMatchObject({ status: 'FAILED', attempt: 2, failure: { reason: 'USER_ERROR', message: failure.summary, detail: failure.message } });
    expect((await readLeaderboard(ctx, tissuenet, 'learning', 'public')).entries).toEqual([]);
  });

  it('records what the run used, from the launcher’s outcome, on a scored and on a failed submission', async () => {
    const ctx = await freshPlatform();
    const usage = { durationMs: 42_000, peakMemoryMiB: 731, gpuSeconds: 42 };
    await submissionInScoring(ctx, { ...base, id: 's-usage', predictions: tissuenetPredictions(labels.ids, PREDICTED) });
    await writeRunOutcome(ctx.s3, ctx.config.predictionsBucket, { result: 'predicted', submissionId: 's-usage', attempt: 1, rows: 4, run: usage });
    await runScoringJob(ctx, 's-usage', 1);
    expect(await getSubmission(ctx, 's-usage')).toMatchObject({ status: 'SCORED', run: usage });

    await submissionInScoring(ctx, { ...base, id: 's-usage-failed', predictions: 'unused' });
    const failure = { reason: 'TIMEOUT' as const, message: 'stopped after 60 s', summary: 'stopped after 60 s' };
    await writeRunOutcome(ctx.s3, ctx.config.predictionsBucket, {
      result: 'failed',
      submissionId: 's-usage-failed',
      attempt: 1,
      failure,
      codeRan: true,
      run: { ...usage, durationMs: 60_000 },
    });
    await runScoringJob(ctx, 's-usage-failed', 1);
    expect(await getSubmission(ctx, 's-usage-failed')).toMatchObject({ status: 'FAILED', run: { durationMs: 60_000, peakMemoryMiB: 731 } });
  });

  it('fails invalid predictions with PREDICTIONS_INVALID and counts, and ranks nothing', async () => {
    const ctx = await freshPlatform();
    const missingOne = tissuenetPredictions(labels.ids.slice(0, 3), PREDICTED);
    await submissionInScoring(ctx, { ...base, id: 's-2', predictions: missingOne });

    expect(await runScoringJob(ctx, 's-2', 1)).toMatchObject({ outcome: 'failed' });

    const submission = await getSubmission(ctx, 's-2');
    expect(submission.status).toBe('FAILED');
    expect(submission.failure).toEqual({ reason: 'PREDICTIONS_INVALID', message: 'the predictions file is invalid: 1 expected id is missing (of 4)' });
    expect(submission.quotaSettledAt).toBeDefined();
    expect((await readLeaderboard(ctx, tissuenet, 'learning', 'public')).entries).toEqual([]);
  });

  it('changes nothing when the same attempt runs again, or a stale attempt runs', async () => {
    const ctx = await freshPlatform();
    await submissionInScoring(ctx, { ...base, id: 's-3', predictions: tissuenetPredictions(labels.ids, PREDICTED) });
    await runScoringJob(ctx, 's-3', 1);
    const before = await itemsOf(ctx, keys.submission('s-3').pk);
    const boardBefore = await readLeaderboard(ctx, tissuenet, 'learning', 'public');

    expect(await runScoringJob(ctx, 's-3', 1)).toEqual({ outcome: 'skipped', status: 'SCORED' });
    expect(await runScoringJob(ctx, 's-3', 0)).toEqual({ outcome: 'skipped', status: 'SCORED' });

    expect(await itemsOf(ctx, keys.submission('s-3').pk)).toEqual(before);
    expect(await readLeaderboard(ctx, tissuenet, 'learning', 'public')).toEqual(boardBefore);
  });

  it('scores a smoke run on the smoke labels and never ranks it', async () => {
    const ctx = await freshPlatform();
    const smoke = tissuenetLabels([2, 2], false);
    await putLabels(ctx, 'tissuenet', 'smoke', smoke.csv, true);
    await submissionInScoring(ctx, { ...base, id: 's-4', mode: 'smoke', predictions: tissuenetPredictions(smoke.ids, [2, 1]) });

    const result = await runScoringJob(ctx, 's-4', 1);

    // Costs 0 and 0.3 (2→1): 1 − 0.15. The smoke dataset has no split column.
    expect(result).toMatchObject({ outcome: 'scored', scores: { overall: 0.85 } });
    expect((await getSubmission(ctx, 's-4')).scores).not.toHaveProperty('public');
    expect((await readLeaderboard(ctx, tissuenet, 'learning', 'public')).entries).toEqual([]);
  });

  it('ends a smoke run without smoke labels as SCORED without scores', async () => {
    const ctx = await freshPlatform();
    await submissionInScoring(ctx, { ...base, id: 's-5', mode: 'smoke', predictions: tissuenetPredictions(['x'], [0]) });
    expect(await runScoringJob(ctx, 's-5', 1)).toEqual({ outcome: 'unscored' });
    const submission = await getSubmission(ctx, 's-5');
    expect(submission.status).toBe('SCORED');
    expect(submission.scores).toBeUndefined();
  });

  it('throws a platform error when the hidden labels are missing, leaving the submission in SCORING', async () => {
    const ctx = await fixture.freshContext();
    await registerChallenge(ctx, tissuenet);
    await submissionInScoring(ctx, { ...base, id: 's-6', predictions: tissuenetPredictions(labels.ids, PREDICTED) });
    await expect(runScoringJob(ctx, 's-6', 1)).rejects.toMatchObject({
      code: 'LABELS_INVALID',
      message: expect.stringContaining('labels of dataset "test" are missing'),
    });
    expect((await getSubmission(ctx, 's-6')).status).toBe('SCORING');
  });

  it("ends a submission whose organisers' program fails as PLATFORM_ERROR: fixed wording for the team, detail for organisers, not charged", async () => {
    const ctx = await fixture.freshContext(manualClock('2026-06-01T10:00:00Z').now);
    const loaded = await loadChallenge('examples/visiomel');
    // VisioMel counts failed runs (countFailed: true); a program's failure is still never charged.
    const failing = 'import sys\nprint("reading", sys.argv[1])\nraise KeyError("relapse")\n';
    const broken = { ...loaded, scoringProgram: scoringProgramFrom('score.py', Buffer.from(failing)) };
    await registerChallenge(ctx, broken);
    await putLabels(ctx, 'visiomel', 'test', 'filename,relapse,usage\na.tif,1,public\nb.tif,0,private\n');
    const team = { challengeId: 'visiomel', phaseId: 'learning', teamId: 'team-v' };
    await submissionInScoring(ctx, { ...team, id: 's-program', predictions: 'filename,relapse\na.tif,0.9\nb.tif,0.2\n' });
    const total = keys.quotaCounter('visiomel', 'learning', 'team-v', COUNTER.total);
    await addMemberWithinLimit(ctx.db, ctx.config.tableName, total, 's-program', 10);

    expect(await runScoringJob(ctx, 's-program', 1)).toMatchObject({ outcome: 'failed' });

    const submission = await getSubmission(ctx, 's-program');
    expect(submission).toMatchObject({
      status: 'FAILED',
      failure: {
        reason: 'PLATFORM_ERROR',
        message: failureMessages.scoringProgramFailed(),
        detail: expect.stringMatching(/^the scoring program exited with code 1: KeyError: 'relapse'/),
      },
    });
    expect(submission.failure!.detail).toContain('reading input/labels.csv');
    expect(submission.quotaSettledAt).toBeDefined();
    expect(await counterValue(ctx, total)).toBe(0);
    expect((await readLeaderboard(ctx, broken, 'learning', 'public')).entries).toEqual([]);
  });

  it("records a program's scores under its digest as the scorer version", async () => {
    const ctx = await fixture.freshContext(manualClock('2026-06-01T10:00:00Z').now);
    const visiomel = await loadChallenge('examples/visiomel');
    await registerChallenge(ctx, visiomel);
    await putLabels(ctx, 'visiomel', 'test', 'filename,relapse,usage\na.tif,1,public\nb.tif,0,public\nc.tif,1,private\nd.tif,0,private\n');
    const predictions = 'filename,relapse\na.tif,0.5\nb.tif,0.5\nc.tif,0.5\nd.tif,0.5\n';
    await submissionInScoring(ctx, { challengeId: 'visiomel', phaseId: 'learning', teamId: 'team-v', id: 's-digest', predictions });

    expect(await runScoringJob(ctx, 's-digest', 1)).toMatchObject({ outcome: 'scored' });

    const version = `sha256:${visiomel.scoringProgram!.sha256}`;
    const submission = await getSubmission(ctx, 's-digest');
    // Always answering 0.5 costs ln 2 on every row, whatever the weights.
    const ln2 = { overall: Math.LN2, public: Math.LN2, private: Math.LN2 };
    expect(submission.scores).toMatchObject({ ...ln2, scorerVersion: version, secondary: { 'log-loss': ln2 } });
    const records = (await itemsOf(ctx, keys.submission('s-digest').pk)).filter((item) => item.kind === 'score');
    const splits = ['overall', 'private', 'public'] as const;
    expect(records.map((record) => record.sk)).toEqual(splits.map((split) => keys.scoreRecord('s-digest', split, version).sk));
  });
});
