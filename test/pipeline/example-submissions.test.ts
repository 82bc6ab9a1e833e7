import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { cancelSubmission } from '#shared/pipeline/cancel-submission.ts';
import { failureMessages } from '#shared/pipeline/failure-messages.ts';
import { reconcile } from '#shared/pipeline/reconcile.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { COUNTER } from '#shared/submissions/quota.ts';
import { findSubmission } from '#shared/submissions/submission-record.ts';
import { generate } from '../../examples/tissuenet/generate-data.ts';
import { startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.ts';
import { isSettled, submitArchive, waitFor, zipFolder } from './support/submissions.ts';

/**
 * examples/tissuenet from upload to its final state: the failing examples, the baseline, smoke runs,
 * replays, restarts and cancels. VisioMel's examples: visiomel-submissions.test.ts.
 */
const EXAMPLE = 'examples/tissuenet';
const FAILING = ['crash', 'timeout', 'no-csv', 'bad-csv', 'network-attempt', 'read-outside-mounts'];

let harness: PipelineHarness;
const submissions: Record<string, string> = {};

beforeAll(async () => {
  harness = await startPipelineHarness({
    exampleDir: EXAMPLE,
    generate,
    // A short time limit for the timeout example; generous quotas so every example can run at once.
    learning: (phase) => ({
      ...phase,
      quota: { ...phase.quota, perDay: 100, concurrent: 20 },
      runtime: { ...phase.runtime, timeLimitSeconds: 4, memoryMiB: 1024, gpus: 0 },
    }),
  });
  const { ctx, challenge } = harness;
  for (const name of FAILING) {
    submissions[name] = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'submissions', name)), { teamId: `team-${name}` });
  }
  submissions.baseline = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'baseline'), 'my-model/'), { teamId: 'team-baseline' });
  submissions.smoke = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'baseline')), { teamId: 'team-smoke', mode: 'smoke' });
  submissions.rejected = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'baseline'), 'a/b/'), { teamId: 'team-rejected' });
}, 120_000);

afterAll(() => harness?.close());

const settledRun = (name: string) => waitFor(harness.ctx, submissions[name]!, isSettled);

describe('failing example submissions end in their documented state', () => {
  const expectations: [string, string, RegExp][] = [
    ['crash', 'USER_ERROR', /^main\.py exited with code 1: ZeroDivisionError: division by zero$/],
    ['timeout', 'TIMEOUT', /time limit of 4 s/],
    ['no-csv', 'NO_PREDICTIONS_FILE', /wrote no submission\.csv next to main\.py/],
    ['bad-csv', 'PREDICTIONS_INVALID', /^the predictions file is invalid: .*\d/],
    ['network-attempt', 'USER_ERROR', /exited with code 1: urllib\.error\.URLError: .*(name resolution|unreachable)/],
    [
      'read-outside-mounts',
      'USER_ERROR',
      new RegExp(
        /exited with code 1: FileNotFoundError: .*labels\.csv' /.source +
          /\(hint: this phase's data is mounted read-only at data\/ next to main\.py, that is \/code_execution\/data\)$/.source,
      ),
    ],
  ];
  // These ran on the learning phase's hidden inputs: organisers read the full wording (`detail`).
  it.each(expectations)('%s → FAILED %s', async (name, reason, message) => {
    const submission = await settledRun(name);
    expect(submission).toMatchObject({ status: 'FAILED', failure: { reason } });
    expect(submission.failure!.detail ?? submission.failure!.message).toMatch(message);
  });

  it('shows the team of a crash on hidden data neither the exit code nor the error text', async () => {
    for (const name of ['crash', 'network-attempt', 'read-outside-mounts']) {
      const { failure } = await settledRun(name);
      expect(failure!.message).toBe(failureMessages.userErrorOnHiddenData());
    }
  });

  it('never shows hidden ids in a PREDICTIONS_INVALID message', async () => {
    expect((await settledRun('bad-csv')).failure!.message).not.toMatch(/\.tif/);
  });

  it('stores the capped run log; the crash log holds the traceback', async () => {
    await settledRun('crash');
    const { ctx } = harness;
    const log = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(submissions.crash!, 1) }));
    const text = await log.Body!.transformToString();
    expect(text).toContain('loading model');
    expect(text).toContain('Traceback');
  });

  it('charges a run that failed after its code saw hidden data, although the phase forgives failures (countFailed: false)', async () => {
    await settledRun('crash');
    await expect.poll(() => harness.quotaCount('team-crash', COUNTER.running)).toBe(0);
    await expect.poll(() => harness.quotaCount('team-crash', COUNTER.total)).toBe(1);
  });
});

describe('good and rejected archives', () => {
  it('scores the baseline (zipped inside a folder) and ranks it on both boards of the learning phase', async () => {
    const submission = await settledRun('baseline');
    expect(submission).toMatchObject({ status: 'SCORED', scores: { overall: expect.any(Number), public: expect.any(Number), private: expect.any(Number) } });
    const { ctx, challenge } = harness;
    const predictions = await ctx.s3.send(
      new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.predictions(submissions.baseline!, 1) }),
    );
    expect((await predictions.Body!.transformToString()).split(/\r?\n/)[0]).toBe('filename,0,1,2,3');
    for (const view of ['public', 'private'] as const) {
      const board = await readLeaderboard(ctx, challenge, 'learning', view);
      expect(board.entries).toContainEqual(
        expect.objectContaining({ teamId: 'team-baseline', submissionId: submissions.baseline, score: submission.scores![view], rank: 1 }),
      );
    }
    await expect.poll(() => harness.quotaCount('team-baseline', COUNTER.total)).toBe(1);
  });

  it('scores a smoke run on the smoke dataset, charges no quota and never ranks it', async () => {
    const submission = await settledRun('smoke');
    expect(submission).toMatchObject({ status: 'SCORED', scores: { overall: expect.any(Number) } });
    expect(submission.quotaDay).toBeUndefined();
    const { ctx, challenge } = harness;
    await expect.poll(() => harness.quotaCount('team-smoke', COUNTER.total)).toBe(0);
    const log = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(submissions.smoke!, 1) }));
    expect(await log.Body!.transformToString()).toMatch(/wrote 8 predictions/);
    for (const view of ['public', 'private'] as const) {
      expect((await readLeaderboard(ctx, challenge, 'learning', view)).entries.map((entry) => entry.teamId)).not.toContain('team-smoke');
    }
  });

  it('rejects an archive with main.py two folders deep, refunding its quota', async () => {
    const submission = await settledRun('rejected');
    expect(submission).toMatchObject({ status: 'REJECTED', failure: { reason: 'MAIN_PY_MISSING' } });
    expect(submission.failure!.message).toContain('a/b/main.py');
    await expect.poll(() => harness.quotaCount('team-rejected', COUNTER.total)).toBe(0);
  });
});

describe('events delivered twice, crashes, cancels', () => {
  it('replaying every upload and job event twice (and the scoring job) leaves submissions and the leaderboard unchanged', async () => {
    const ids = Object.values(submissions);
    for (const id of ids) await waitFor(harness.ctx, id, isSettled);
    const before = await harness.snapshot(ids);
    expect(before.boards.public).toHaveLength(1);
    for (let round = 0; round < 2; round++) await harness.replayEverything(ids);
    expect(await harness.snapshot(ids)).toEqual(before);
  });

  it('a stack killed mid-run restarts with nothing stuck: the run is retried as attempt 2, not charged twice', async () => {
    const { ctx, challenge } = harness;
    const id = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'submissions', 'timeout')), { teamId: 'team-restart' });
    await waitFor(ctx, id, (s) => s.status === 'RUNNING');
    const runner = await harness.restartRunner(); // the "kill": jobs die, their final events are never delivered
    const report = await reconcile(ctx, runner);
    expect(report.repaired[id]).toMatch(/jobs unknown to the runner: retried/);
    const retried = await findSubmission(ctx, id);
    expect(retried?.attempt).toBe(2);
    expect(['QUEUED', 'RUNNING']).toContain(retried?.status);
    const final = await waitFor(ctx, id, isSettled);
    expect(final).toMatchObject({ status: 'FAILED', attempt: 2, failure: { reason: 'TIMEOUT' } });
    await expect.poll(() => harness.quotaCount('team-restart', COUNTER.running)).toBe(0);
  });

  it('cancelling a running submission stops its job and refunds it', async () => {
    const { ctx, challenge, runner } = harness;
    const id = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'submissions', 'timeout')), { teamId: 'team-cancel' });
    const running = await waitFor(ctx, id, (s) => s.status === 'RUNNING' && Boolean(s.jobs?.inference));
    const cancelled = await cancelSubmission(ctx, runner, id, 'user-1');
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelledBy: 'user-1' });
    expect(cancelled.quotaSettledAt).toBeDefined();
    await expect.poll(() => harness.quotaCount('team-cancel', COUNTER.total)).toBe(0);
    await expect(cancelSubmission(ctx, runner, id, 'user-1')).resolves.toMatchObject({ status: 'CANCELLED' });
    for (;;) {
      const [job] = await runner.describe([running.jobs!.inference!]);
      if (job?.status === 'FAILED') break;
      await sleep(100);
    }
    expect((await findSubmission(ctx, id))!.status).toBe('CANCELLED');
  });
});
