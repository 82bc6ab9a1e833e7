import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import type { JobRunner, JobStateEvent } from '#shared/jobs/job-runner.ts';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { getRescore, requestRescore } from '#shared/leaderboard/rescore-request.ts';
import { runRescoreJob } from '#shared/leaderboard/run-rescore-job.ts';
import { onJobStateChange } from '#shared/pipeline/on-job-state-change.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { SCORER_VERSION } from '#shared/scoring/scorer-version.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { keys } from '#shared/storage/table-design.ts';
import { getSubmission } from '#shared/submissions/submission-record.ts';
import { ensureUser } from '#shared/identity/users.ts';
import { listNotifications } from '#shared/notifications/inbox.ts';
import { notifyRescored } from '#shared/notifications/rescore-notifications.ts';
import { LocalJobRunner } from '../../local/job-runner/local-job-runner.ts';
import { ensureLocalReceiptKey, localReceiptJobEnvironment, type LocalReceiptKey } from '../../local/receipt-key.ts';
import { RECEIPT_KEY_ENV } from '#shared/receipts/receipt-signer.ts';
import { storageConfigToEnv } from '#shared/storage/storage-config.ts';
import { RecordingRunner } from '../pipeline/support/recording-runner.ts';
import { itemsOf, putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { manualClock, startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

/**
 * Rescoring as it runs on the platform: the request is recorded, a `rescore` job runs the scoring
 * entrypoint as a child process (the local runner, as Batch would run the scoring image) and its
 * job-state events go through the same handler as submissions' events.
 * TissueNet costs (true→pred): 0→1 0.1 before the organiser's metric fix, 0.5 after; rows 1 and 3 public.
 */
const TRUE_CLASSES = [0, 1, 2, 3];
const labels = tissuenetLabels(TRUE_CLASSES);
const PUBLIC_MISS = [1, 1, 2, 3]; // public 0.95 → 0.75 after the fix
const PRIVATE_COST = [0, 2, 2, 3]; // public 1, private 1 − 0.3/2 = 0.85 either way

let fixture: StorageFixture;
let tissuenet: Challenge;
let fixed: Challenge;
let scratch: string;
let receiptKey: LocalReceiptKey;

beforeAll(async () => {
  fixture = await startStorageFixture();
  tissuenet = await loadChallenge('examples/tissuenet');
  fixed = {
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
  scratch = await mkdtemp(join(tmpdir(), 'podium-rescore-'));
  receiptKey = await ensureLocalReceiptKey(scratch, { region: 'eu-west-3' });
});
afterAll(async () => {
  await fixture.close();
  await rm(scratch, { recursive: true, force: true });
});

/** Two teams scored under the original metric, then the organiser fixes the metric. */
async function platform() {
  const clock = manualClock('2024-06-01T10:00:00Z');
  const ctx = await fixture.freshContext(clock.now);
  await registerChallenge(ctx, tissuenet);
  await putLabels(ctx, 'tissuenet', 'test', labels.csv);
  const score = async (id: string, teamId: string, classes: number[]) => {
    clock.advance(60_000);
    await submissionInScoring(ctx, { id, challengeId: 'tissuenet', phaseId: 'learning', teamId, predictions: tissuenetPredictions(labels.ids, classes) });
    await runScoringJob(ctx, id, 1);
  };
  await score('s-a', 'team-a', PUBLIC_MISS);
  await score('s-b', 'team-b', PRIVATE_COST);
  await registerChallenge(ctx, fixed);
  clock.advance(60_000);
  return { ctx, clock };
}

/** A local runner whose events go through the job-state handler, recorded for replays. */
function localRunner(ctx: PodiumContext, entrypoints: Record<string, string> = {}) {
  const events: JobStateEvent[] = [];
  const runner: LocalJobRunner = new LocalJobRunner({
    config: ctx.config,
    entrypoints,
    // The scoring image signs receipts of the scores it records: it needs its key, as npm start gives it.
    environmentOf: (spec) => ({
      PODIUM_WORK_DIR: tmpdir(),
      ...storageConfigToEnv(ctx.config),
      ...spec.environment,
      [RECEIPT_KEY_ENV]: receiptKey.keyId,
      ...localReceiptJobEnvironment(receiptKey, { hostProcesses: true }),
    }),
    onEvent: async (event) => {
      events.push(event);
      await onJobStateChange(ctx, runner, event);
    },
  });
  return { runner, events };
}

const publicBoard = async (ctx: PodiumContext) =>
  (await readLeaderboard(ctx, fixed, 'learning', 'public')).entries.map((entry) => [entry.submissionId, entry.score]);
const snapshot = async (ctx: PodiumContext) => ({
  a: await itemsOf(ctx, keys.submission('s-a').pk),
  b: await itemsOf(ctx, keys.submission('s-b').pk),
  board: await publicBoard(ctx),
});

describe('a phase rescore request', () => {
  it('runs as a rescore job in the scoring image: SUCCEEDED with counts and scorer version, new scores, board rebuilt', async () => {
    const { ctx } = await platform();
    expect(await publicBoard(ctx)).toEqual([
      ['s-b', 1],
      ['s-a', 0.95],
    ]);
    const { runner, events } = localRunner(ctx);

    const requested = await requestRescore(ctx, runner, { challenge: fixed, phaseId: 'learning', requestedBy: 'organiser-1' });
    expect(requested).toMatchObject({
      rescoreId: expect.stringMatching(/^r-[0-9a-f]{20}$/),
      challengeId: 'tissuenet',
      phaseId: 'learning',
      requestedBy: 'organiser-1',
      jobId: expect.any(String),
    });
    expect(['QUEUED', 'RUNNING']).toContain(requested.status);
    await runner.idle();
    await runner.close();

    const done = await getRescore(ctx, requested.rescoreId);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      scorerVersion: SCORER_VERSION,
      counts: { rescored: 2, notRescored: 0 },
      failures: [],
      jobId: requested.jobId,
    });
    expect(done.leaderboard).toBeDefined();
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));
    expect((await getSubmission(ctx, 's-a')).scores).toMatchObject({ public: 0.75, private: 1, scorerVersion: SCORER_VERSION });
    expect(await publicBoard(ctx)).toEqual([
      ['s-b', 1],
      ['s-a', 0.75],
    ]);
    // The job's events name the request, never a submission.
    expect(events.map((event) => [event.kind, 'submissionId' in event, event.jobName])).toContainEqual(['rescore', false, `rescore-${requested.rescoreId}-1`]);
    expect(events.every((event) => event.kind === 'rescore')).toBe(true);
  });

  it('is not changed by duplicate, reordered or late events, nor by a second run of its job', async () => {
    const { ctx } = await platform();
    const { runner, events } = localRunner(ctx);
    const { rescoreId } = await requestRescore(ctx, runner, { challenge: fixed, phaseId: 'learning', requestedBy: 'organiser-1' });
    await runner.idle();
    await runner.close();
    const finished = await getRescore(ctx, rescoreId);
    expect(finished.status).toBe('SUCCEEDED');
    const before = await snapshot(ctx);

    for (const event of [...events, ...[...events].reverse()]) await onJobStateChange(ctx, runner, event);
    const late = { ...events.at(-1)!, status: 'FAILED' as const, statusReason: 'Job attempt duration exceeded timeout', exitCode: 137 };
    expect(await onJobStateChange(ctx, runner, late)).toBe('unchanged');
    expect(await runRescoreJob(ctx, rescoreId)).toMatchObject({ outcome: 'skipped' });

    expect(await getRescore(ctx, rescoreId)).toEqual(finished);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('lists the submissions it could not rescore and still rebuilds the board', async () => {
    const { ctx } = await platform();
    // s-b's stored predictions no longer pass validation (a row is missing).
    await ctx.s3.send(
      new PutObjectCommand({
        Bucket: ctx.config.predictionsBucket,
        Key: objectKeys.predictions('s-b', 1),
        Body: tissuenetPredictions(labels.ids.slice(0, 3), PRIVATE_COST),
      }),
    );
    const runner = new RecordingRunner();
    const { rescoreId } = await requestRescore(ctx, runner, { challenge: fixed, phaseId: 'learning', requestedBy: 'organiser-1' });

    await runRescoreJob(ctx, rescoreId);

    const done = await getRescore(ctx, rescoreId);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      counts: { rescored: 1, notRescored: 1 },
      failures: [{ submissionId: 's-b', message: expect.stringContaining('the predictions file is invalid') }],
    });
    expect((await getSubmission(ctx, 's-b')).scores).toMatchObject({ public: 1, private: 0.85 });
  });
});

describe('a one-submission rescore request', () => {
  it('records the new scores and the previous ones', async () => {
    const { ctx } = await platform();
    const runner = new RecordingRunner();
    const previous = (await getSubmission(ctx, 's-a')).scores;
    const { rescoreId } = await requestRescore(ctx, runner, { challenge: fixed, phaseId: 'learning', submissionId: 's-a', requestedBy: 'organiser-1' });
    expect(runner.submitted).toMatchObject([
      {
        kind: 'rescore',
        rescoreId,
        name: `rescore-${rescoreId}-1`,
        challengeId: 'tissuenet',
        phaseId: 'learning',
        environment: { PODIUM_RESCORE_ID: rescoreId },
      },
    ]);
    expect(runner.submitted[0]).not.toHaveProperty('submissionId');

    await runRescoreJob(ctx, rescoreId);

    expect(await getRescore(ctx, rescoreId)).toMatchObject({
      status: 'SUCCEEDED',
      submissionId: 's-a',
      counts: { rescored: 1, notRescored: 0 },
      result: { submissionId: 's-a', rescored: true, scores: { public: 0.75, scorerVersion: SCORER_VERSION }, previous },
    });
  });

  it("tells the submitter once, with the new public score, even when the job's notification is repeated", async () => {
    const { ctx } = await platform();
    await ensureUser(ctx, { userId: 'user-team-a', email: 'team-a@example.org', organiser: false });
    const { rescoreId } = await requestRescore(ctx, new RecordingRunner(), { challenge: fixed, phaseId: 'learning', submissionId: 's-a', requestedBy: 'o-1' });

    await runRescoreJob(ctx, rescoreId);
    const done = await getRescore(ctx, rescoreId);
    // A job run again after a crash between notifying and finishing notifies the same event again.
    await notifyRescored(ctx, fixed, rescoreId, [done.result!]);

    const inbox = await listNotifications(ctx, 'user-team-a', { limit: 10 });
    expect(inbox.notifications).toMatchObject([{ type: 'rescore.done', title: 'Submission s-a was rescored (learning)', read: false }]);
    expect(inbox.notifications[0]!.text).toContain('public score is now 0.75');
    expect(inbox.unread).toBe(1);
  });

  it('is refused for a submission that is not SCORED, and for an unknown phase, before any job is submitted', async () => {
    const { ctx } = await platform();
    const runner = new RecordingRunner();
    await submissionInScoring(ctx, { id: 's-x', challengeId: 'tissuenet', phaseId: 'learning', teamId: 'team-c', predictions: 'filename,0,1,2,3\n' });
    await expect(requestRescore(ctx, runner, { challenge: fixed, phaseId: 'learning', submissionId: 's-x', requestedBy: 'o' })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
    await expect(requestRescore(ctx, runner, { challenge: fixed, phaseId: 'nope', requestedBy: 'o' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(requestRescore(ctx, runner, { challenge: fixed, phaseId: 'final', submissionId: 's-a', requestedBy: 'o' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(runner.submitted).toEqual([]);
    await expect(getRescore(ctx, 'r-0000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('a rescore whose job fails', () => {
  it('is FAILED with a message naming no internals when the job dies (killed), and the submission is untouched', async () => {
    const { ctx } = await platform();
    const killed = join(scratch, 'killed.mjs');
    await writeFile(killed, "process.kill(process.pid, 'SIGKILL');\n");
    const { runner, events } = localRunner(ctx, { rescore: killed });
    const before = await itemsOf(ctx, keys.submission('s-a').pk);

    const { rescoreId, jobId } = await requestRescore(ctx, runner, { challenge: fixed, phaseId: 'learning', submissionId: 's-a', requestedBy: 'o' });
    await runner.idle();
    await runner.close();

    expect(events.at(-1)).toMatchObject({ kind: 'rescore', rescoreId, jobId, status: 'FAILED' });
    const failed = await getRescore(ctx, rescoreId);
    expect(failed).toMatchObject({ status: 'FAILED', message: expect.stringMatching(/^the rescore job failed on a platform error \(exit code 137\)/) });
    expect(failed.message).not.toContain(scratch);
    expect(await itemsOf(ctx, keys.submission('s-a').pk)).toEqual(before);
  });

  it('keeps the job’s own reason when the scoring entrypoint fails on missing labels', async () => {
    const { ctx } = await platform();
    await ctx.s3.send(new DeleteObjectCommand({ Bucket: ctx.config.hiddenBucket, Key: objectKeys.labels('tissuenet', 'test') }));
    const { runner, events } = localRunner(ctx);

    const { rescoreId } = await requestRescore(ctx, runner, { challenge: fixed, phaseId: 'learning', requestedBy: 'o' });
    await runner.idle();
    await runner.close();

    expect(events.at(-1)).toMatchObject({ status: 'FAILED', exitCode: 1 });
    expect(await getRescore(ctx, rescoreId)).toMatchObject({ status: 'FAILED', message: expect.stringContaining('the labels of dataset "test" are missing') });
  });

  it('is FAILED on a timeout event while queued or running, but not by an event of another job', async () => {
    const { ctx } = await platform();
    const runner = new RecordingRunner();
    const { rescoreId, jobId } = await requestRescore(ctx, runner, { challenge: fixed, phaseId: 'learning', requestedBy: 'o' });
    const event: JobStateEvent = {
      kind: 'rescore',
      rescoreId,
      jobId: 'another-job',
      jobName: `rescore-${rescoreId}-1`,
      attempt: 1,
      status: 'FAILED',
      statusReason: 'Job attempt duration exceeded timeout',
      at: ctx.now().toISOString(),
    };

    expect(await onJobStateChange(ctx, runner, event)).toBe('unchanged');
    expect((await getRescore(ctx, rescoreId)).status).toBe('QUEUED');
    expect(await onJobStateChange(ctx, runner, { ...event, jobId: jobId! })).toBe('failed');
    expect(await getRescore(ctx, rescoreId)).toMatchObject({ status: 'FAILED', message: 'the rescore job ran past its 6 h time limit and was stopped' });
    // The job starting late (Batch ran it after all) finds the request finished and changes nothing.
    expect(await runRescoreJob(ctx, rescoreId)).toMatchObject({ outcome: 'skipped', request: { status: 'FAILED' } });
    expect((await getSubmission(ctx, 's-a')).scores).toMatchObject({ public: 0.95 });
  });

  it('is FAILED, never left QUEUED, when its job cannot be submitted', async () => {
    const { ctx } = await platform();
    const broken: JobRunner = {
      ...new RecordingRunner(),
      submit: async () => Promise.reject(new Error('AccessDeniedException: not authorized')),
      cancel: async () => {},
      describe: async () => [],
    };
    const error = await requestRescore(ctx, broken, { challenge: fixed, phaseId: 'learning', requestedBy: 'o' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'INTERNAL', details: { rescoreId: expect.any(String) } });
    const { rescoreId } = (error as { details: { rescoreId: string } }).details;
    const request = await getRescore(ctx, rescoreId);
    expect(request).toMatchObject({ status: 'FAILED', message: expect.stringContaining('could not be submitted') });
    expect(request.message).not.toContain('AccessDenied');
    expect(request.jobId).toBeUndefined();
  });
});
