import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { uploadChallengeDatasets } from '#shared/datasets/upload-datasets.ts';
import type { JobStateEvent } from '#shared/jobs/job-runner.ts';
import { cancelSubmission } from '#shared/pipeline/cancel-submission.ts';
import { onArchiveUploaded } from '#shared/pipeline/on-archive-uploaded.ts';
import { onJobStateChange } from '#shared/pipeline/on-job-state-change.ts';
import { reconcile } from '#shared/pipeline/reconcile.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { keys } from '#shared/storage/table-design.ts';
import { COUNTER } from '#shared/submissions/quota.ts';
import { findSubmission, type SubmissionRecord } from '#shared/submissions/submission-record.ts';
import type { S3EventRecord } from '../../local/embedded-servers.ts';
import { LocalJobRunner } from '../../local/job-runner/local-job-runner.ts';
import { generate } from '../../examples/tissuenet/generate-data.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { isFinal, submitArchive, waitFor, zipFolder } from './pipeline-support.ts';

const EXAMPLES = 'examples/tissuenet';
// Until the scoring job exists, scoring jobs are held (concurrency 0) and runs stop at SCORING.
const scoringExists = existsSync('batch-jobs/scoring/main.ts');

let fixture: StorageFixture;
let ctx: PodiumContext;
let challenge: Challenge;
let runner: LocalJobRunner;
const events: JobStateEvent[] = [];
const uploads: S3EventRecord[] = [];
const submissions: Record<string, string> = {};

function newRunner(): LocalJobRunner {
  const created: LocalJobRunner = new LocalJobRunner({
    config: ctx.config,
    concurrency: { inference: 2, scoring: scoringExists ? 1 : 0 },
    onEvent: async (event) => {
      events.push(event);
      await onJobStateChange(ctx, created, event);
    },
  });
  return created;
}

async function quotaCount(teamId: string, window: string): Promise<number> {
  const item = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.quotaCounter('tissuenet', 'learning', teamId, window) }));
  return Number(item.Item?.count ?? 0);
}

beforeAll(async () => {
  fixture = await startStorageFixture();
  ctx = await fixture.freshContext();
  const loaded = await loadChallenge(EXAMPLES);
  // A short time limit for the timeout example; generous quotas so every example can run at once.
  challenge = {
    ...loaded,
    phases: loaded.phases.map((phase) =>
      phase.id === 'learning'
        ? { ...phase, quota: { ...phase.quota, perDay: 100, concurrent: 20 }, runtime: { ...phase.runtime, timeLimitSeconds: 4, memoryMiB: 1024, gpus: 0 } }
        : phase,
    ),
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'podium-tissuenet-'));
  await generate(dataDir);
  await uploadChallengeDatasets(ctx, challenge, dataDir);
  await registerChallenge(ctx, challenge);
  runner = newRunner();
  fixture.servers.s3Events.on('object-created', (record: S3EventRecord) => {
    if (record.s3.bucket.name !== ctx.config.submissionsBucket) return;
    uploads.push(record);
    void onArchiveUploaded(ctx, runner, { bucket: record.s3.bucket.name, key: decodeURIComponent(record.s3.object.key), size: record.s3.object.size ?? 0 });
  });
  for (const name of ['crash', 'timeout', 'no-csv', 'bad-csv', 'network-attempt', 'read-outside-mounts']) {
    submissions[name] = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLES, 'submissions', name)), { teamId: `team-${name}` });
  }
  submissions.baseline = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLES, 'baseline'), 'my-model/'), { teamId: 'team-baseline' });
  submissions.smoke = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLES, 'baseline')), { teamId: 'team-smoke', mode: 'smoke' });
  submissions.rejected = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLES, 'baseline'), 'a/b/'), { teamId: 'team-rejected' });
}, 120_000);

afterAll(async () => {
  await runner?.close();
  await fixture?.close();
});

const settled = (submission: SubmissionRecord) => isFinal(submission) && Boolean(submission.quotaSettledAt);
const done = (submission: SubmissionRecord) => isFinal(submission) || (!scoringExists && submission.status === 'SCORING');

describe('failing example submissions end in their documented state', () => {
  const expectations: [string, string, RegExp][] = [
    ['crash', 'USER_ERROR', /^main\.py exited with code 1: ZeroDivisionError: division by zero$/],
    ['timeout', 'TIMEOUT', /time limit of 4 s/],
    ['no-csv', 'NO_PREDICTIONS_FILE', /wrote no submission\.csv next to main\.py/],
    ['bad-csv', 'PREDICTIONS_INVALID', /^the predictions file is invalid: .*\d/],
    ['network-attempt', 'USER_ERROR', /exited with code 1: urllib\.error\.URLError: .*(name resolution|unreachable)/],
    ['read-outside-mounts', 'USER_ERROR', /exited with code 1: FileNotFoundError: .*labels\.csv/],
  ];
  it.each(expectations)('%s → FAILED %s', async (name, reason, message) => {
    const submission = await waitFor(ctx, submissions[name]!, settled);
    expect(submission).toMatchObject({ status: 'FAILED', failure: { reason } });
    expect(submission.failure!.message).toMatch(message);
    expect(submission.quotaSettledAt).toBeDefined();
  });

  it('never shows hidden ids in a PREDICTIONS_INVALID message', async () => {
    const submission = await waitFor(ctx, submissions['bad-csv']!, isFinal);
    expect(submission.failure!.message).not.toMatch(/\.pgm/);
  });

  it('stores the capped run log; the crash log holds the traceback', async () => {
    const log = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(submissions.crash!) }));
    const text = await log.Body!.transformToString();
    expect(text).toContain('loading model');
    expect(text).toContain('Traceback');
  });

  it('refunds failed runs where the phase does not count them (countFailed: false)', async () => {
    await waitFor(ctx, submissions.crash!, settled);
    expect(await quotaCount('team-crash', COUNTER.running)).toBe(0);
    expect(await quotaCount('team-crash', COUNTER.total)).toBe(0);
  });
});

describe('good and rejected archives', () => {
  it('runs the baseline (zipped inside a folder) to a validated predictions file and on to scoring', async () => {
    const submission = await waitFor(ctx, submissions.baseline!, done);
    expect(submission.status).toBe(scoringExists ? 'SCORED' : 'SCORING');
    const predictions = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.predictions(submissions.baseline!) }));
    expect((await predictions.Body!.transformToString()).split(/\r?\n/)[0]).toBe('filename,0,1,2,3');
  });

  it('runs a smoke submission on the smoke dataset without charging quota', async () => {
    const submission = await waitFor(ctx, submissions.smoke!, done);
    expect(submission.status).toBe(scoringExists ? 'SCORED' : 'SCORING');
    expect(submission.quotaDay).toBeUndefined();
    expect(await quotaCount('team-smoke', COUNTER.total)).toBe(0);
    const log = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(submissions.smoke!) }));
    expect(await log.Body!.transformToString()).toMatch(/wrote 8 predictions/);
  });

  it('rejects an archive with main.py two folders deep, refunding its quota', async () => {
    const submission = await waitFor(ctx, submissions.rejected!, settled);
    expect(submission).toMatchObject({ status: 'REJECTED', failure: { reason: 'MAIN_PY_MISSING' } });
    expect(submission.failure!.message).toContain('a/b/main.py');
    expect(await quotaCount('team-rejected', COUNTER.total)).toBe(0);
  });
});

describe('events delivered twice, crashes, cancels', () => {
  it('replaying every upload and job event twice leaves every submission unchanged', async () => {
    for (const id of Object.values(submissions)) await waitFor(ctx, id, done);
    const before = await Promise.all(Object.values(submissions).map((id) => findSubmission(ctx, id)));
    for (let round = 0; round < 2; round++) {
      for (const record of uploads) await onArchiveUploaded(ctx, runner, { bucket: record.s3.bucket.name, key: decodeURIComponent(record.s3.object.key), size: record.s3.object.size ?? 0 });
      for (const event of [...events]) await onJobStateChange(ctx, runner, event);
      // Out of order as well: newest first.
      for (const event of [...events].reverse()) await onJobStateChange(ctx, runner, event);
    }
    const after = await Promise.all(Object.values(submissions).map((id) => findSubmission(ctx, id)));
    expect(after).toEqual(before);
  });

  it('a stack killed mid-run restarts with nothing stuck: the run is retried as attempt 2, not charged twice', async () => {
    const id = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLES, 'submissions', 'timeout')), { teamId: 'team-restart' });
    await waitFor(ctx, id, (s) => s.status === 'RUNNING');
    await runner.close(); // the "kill": jobs die, their final events are never delivered
    runner = newRunner();
    const report = await reconcile(ctx, runner);
    expect(report.repaired[id]).toMatch(/jobs unknown to the runner: retried/);
    const retried = await findSubmission(ctx, id);
    expect(retried?.attempt).toBe(2);
    expect(['QUEUED', 'RUNNING']).toContain(retried?.status);
    const final = await waitFor(ctx, id, settled);
    expect(final).toMatchObject({ status: 'FAILED', attempt: 2, failure: { reason: 'TIMEOUT' } });
    expect(await quotaCount('team-restart', COUNTER.running)).toBe(0);
  });

  it('cancelling a running submission stops its job and refunds it', async () => {
    const id = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLES, 'submissions', 'timeout')), { teamId: 'team-cancel' });
    const running = await waitFor(ctx, id, (s) => s.status === 'RUNNING' && Boolean(s.jobs?.inference));
    const cancelled = await cancelSubmission(ctx, runner, id, 'user-1');
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelledBy: 'user-1' });
    expect(cancelled.quotaSettledAt).toBeDefined();
    expect(await quotaCount('team-cancel', COUNTER.total)).toBe(0);
    await expect(cancelSubmission(ctx, runner, id, 'user-1')).resolves.toMatchObject({ status: 'CANCELLED' });
    for (;;) {
      const [job] = await runner.describe([running.jobs!.inference!]);
      if (job?.status === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await findSubmission(ctx, id))!.status).toBe('CANCELLED');
  });
});
