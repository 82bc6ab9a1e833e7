import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { COUNTER } from '#shared/submissions/quota.ts';
import { generate } from '../../examples/visiomel/generate-data.ts';
import { startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.ts';
import { isSettled, submitArchive, waitFor, zipFolder } from './support/submissions.ts';

/**
 * examples/visiomel from upload to its final state: data mounted at an absolute path
 * (/code_execution/data), probabilities scored by log loss, and failed runs counted
 * (`countFailed: true`), unlike TissueNet.
 */
const EXAMPLE = 'examples/visiomel';
const FAILING = ['crash', 'probabilities-out-of-range', 'wrong-data-path', 'writes-to-data'];

let harness: PipelineHarness;
const submissions: Record<string, string> = {};

beforeAll(async () => {
  harness = await startPipelineHarness({
    exampleDir: EXAMPLE,
    generate,
    learning: (phase) => ({ ...phase, quota: { ...phase.quota, perDay: 100, concurrent: 20 }, runtime: { ...phase.runtime, timeLimitSeconds: 30, memoryMiB: 1024, gpus: 0 } }),
  });
  const { ctx, challenge } = harness;
  for (const name of FAILING) {
    submissions[name] = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'submissions', name)), { teamId: `team-${name}` });
  }
  submissions.baseline = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'baseline')), { teamId: 'team-baseline' });
  submissions.smoke = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'baseline')), { teamId: 'team-smoke', mode: 'smoke' });
}, 120_000);

afterAll(() => harness?.close());

const settledRun = (name: string) => waitFor(harness.ctx, submissions[name]!, isSettled);

describe('failing VisioMel submissions end in their documented state', () => {
  const expectations: [string, string, RegExp][] = [
    ['crash', 'USER_ERROR', /^main\.py exited with code 1: KeyError: 'breslow'$/],
    ['probabilities-out-of-range', 'PREDICTIONS_INVALID', /^the predictions file is invalid: .*\d/],
    [
      'wrong-data-path',
      'USER_ERROR',
      new RegExp(
        /^main\.py exited with code 1: FileNotFoundError: \[Errno 2\] No such file or directory: '\.\.\/data\/test_metadata\.csv' /.source +
          /\(hint: this phase's data is mounted read-only at \/code_execution\/data\)$/.source,
      ),
    ],
    ['writes-to-data', 'USER_ERROR', /^main\.py exited with code 1: OSError: \[Errno 30\] Read-only file system: '\/code_execution\/data\/features_cache\.csv'$/],
  ];
  it.each(expectations)('%s → FAILED %s', async (name, reason, message) => {
    const submission = await settledRun(name);
    expect(submission).toMatchObject({ status: 'FAILED', failure: { reason } });
    // A run on hidden data: the team reads a fixed category, organisers the full wording.
    expect(submission.failure!.detail ?? submission.failure!.message).toMatch(message);
  });

  it('reports out-of-range probabilities as a count, never an id or a value', async () => {
    const { message } = (await settledRun('probabilities-out-of-range')).failure!;
    expect(message).not.toMatch(/test_\d{4}\.pgm|-\d\.\d{6}/);
  });

  it('charges failed runs where the phase counts them (countFailed: true) and frees the running slot', async () => {
    await settledRun('crash');
    await expect.poll(() => harness.quotaCount('team-crash', COUNTER.total)).toBe(1);
    await expect.poll(() => harness.quotaCount('team-crash', COUNTER.running)).toBe(0);
  });
});

describe('the VisioMel baseline and a smoke run', () => {
  it('scores the baseline by log loss and ranks it on both boards', async () => {
    const submission = await settledRun('baseline');
    expect(submission).toMatchObject({ status: 'SCORED', scores: { overall: expect.any(Number), public: expect.any(Number), private: expect.any(Number) } });
    // Better than always answering 0.5 (log loss ln 2), as the generator's model promises.
    expect(submission.scores!.overall).toBeLessThan(Math.LN2);
    for (const view of ['public', 'private'] as const) {
      const board = await readLeaderboard(harness.ctx, harness.challenge, 'learning', view);
      expect(board.entries).toEqual([expect.objectContaining({ rank: 1, teamId: 'team-baseline', submissionId: submissions.baseline, score: submission.scores![view] })]);
    }
  });

  it('scores a smoke run without ranking or charging it', async () => {
    const submission = await settledRun('smoke');
    expect(submission).toMatchObject({ status: 'SCORED', scores: { overall: expect.any(Number) } });
    await expect.poll(() => harness.quotaCount('team-smoke', COUNTER.total)).toBe(0);
    const board = await readLeaderboard(harness.ctx, harness.challenge, 'learning', 'public');
    expect(board.entries.map((entry) => entry.teamId)).not.toContain('team-smoke');
  });

  it('replaying every event twice (and the scoring job) leaves submissions and the leaderboard unchanged', async () => {
    const ids = Object.values(submissions);
    for (const id of ids) await waitFor(harness.ctx, id, isSettled);
    const before = await harness.snapshot(ids);
    for (let round = 0; round < 2; round++) await harness.replayEverything(ids);
    expect(await harness.snapshot(ids)).toEqual(before);
  });
});
