import { GetObjectCommand } from '@aws-sdk/client-s3';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRescore, isFinishedRescore, requestRescore } from '#shared/leaderboard/rescore-request.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { getSubmission } from '#shared/submissions/submission-record.ts';
import { cliUser } from '../cli/run-cli.ts';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { COUNTER } from '#shared/submissions/quota.ts';
import { generate } from '../../examples/visiomel/generate-data.ts';
import { startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.ts';
import { isSettled, submitArchive, waitFor, zipFolder } from './support/submissions.ts';

/**
 * examples/visiomel from upload to its final state: data mounted at an absolute path
 * (/code_execution/data), probabilities scored by the organisers' scoring program (class-weighted
 * log loss, examples/visiomel/score.py, run sandboxed in the scoring job), and failed runs counted
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
    learning: (phase) => ({
      ...phase,
      quota: { ...phase.quota, perDay: 100, concurrent: 20 },
      runtime: { ...phase.runtime, timeLimitSeconds: 30, memoryMiB: 1024, gpus: 0 },
    }),
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

describe("the organisers' scoring program gives one score everywhere", () => {
  it('scores the baseline through the local stack, `podium score` offline and a rescore job with the same result', async () => {
    const scored = await settledRun('baseline');
    const { scorerVersion: _version, scoredAt: _at, ...pipelineScores } = scored.scores!;

    // `podium score`, offline, on the very predictions and labels the scoring job read.
    const dir = await mkdtemp(join(tmpdir(), 'podium-visiomel-offline-'));
    await chmod(dir, 0o755);
    const read = async (bucket: string, key: string) =>
      (await harness.ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    const predictions = join(dir, 'predictions.csv');
    const labels = join(dir, 'labels.csv');
    await writeFile(predictions, await read(harness.ctx.config.predictionsBucket, objectKeys.predictions(scored.id, scored.attempt)));
    await writeFile(labels, await read(harness.ctx.config.hiddenBucket, objectKeys.labels('visiomel', 'test')));
    const offline = await (await cliUser()).run(['--json', 'score', '--challenge', EXAMPLE, '--phase', 'learning', predictions, labels]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.json()).toMatchObject({ ok: true, scorerVersion: scored.scores!.scorerVersion, scores: pipelineScores });

    // A rescore goes through the scoring image and role again (the local runner's rescore job).
    const request = { challenge: harness.challenge, phaseId: 'learning', submissionId: scored.id, requestedBy: 'organiser-1' };
    const { rescoreId } = await requestRescore(harness.ctx, harness.runner, request);
    await expect.poll(async () => (await getRescore(harness.ctx, rescoreId)).status, { timeout: 60_000, interval: 250 }).toSatisfy(isFinishedRescore);
    const finished = await getRescore(harness.ctx, rescoreId);
    expect(finished).toMatchObject({ status: 'SUCCEEDED', scorerVersion: scored.scores!.scorerVersion, counts: { rescored: 1, notRescored: 0 } });
    const rescored = await getSubmission(harness.ctx, scored.id);
    expect(rescored.scores).toMatchObject({ ...pipelineScores, scorerVersion: scored.scores!.scorerVersion });
  }, 120_000);
});

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
    [
      'writes-to-data',
      'USER_ERROR',
      /^main\.py exited with code 1: OSError: \[Errno 30\] Read-only file system: '\/code_execution\/data\/features_cache\.csv'$/,
    ],
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
  it("scores the baseline with the organisers' program, under its digest, and ranks it on both boards", async () => {
    const submission = await settledRun('baseline');
    const splits = { overall: expect.any(Number), public: expect.any(Number), private: expect.any(Number) };
    const scorerVersion = `sha256:${harness.challenge.scoringProgram!.sha256}`;
    expect(submission).toMatchObject({ status: 'SCORED', scores: { ...splits, secondary: { 'log-loss': splits }, scorerVersion } });
    // Better than always answering 0.5 (ln 2, weighted or not), as the generator's model promises.
    expect(submission.scores!.secondary!['log-loss']!.overall).toBeLessThan(Math.LN2);
    for (const view of ['public', 'private'] as const) {
      const board = await readLeaderboard(harness.ctx, harness.challenge, 'learning', view);
      expect(board.entries).toEqual([
        expect.objectContaining({ rank: 1, teamId: 'team-baseline', submissionId: submissions.baseline, score: submission.scores![view] }),
      ]);
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
