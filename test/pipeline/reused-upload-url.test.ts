import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { onArchiveUploaded } from '#shared/pipeline/on-archive-uploaded.ts';
import { inferenceRunSpec } from '#shared/pipeline/inference-run-spec.ts';
import { runInferenceJob } from '#shared/pipeline/run-inference-job.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { findSubmission, transitionSubmission } from '#shared/submissions/submission-record.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { RecordingRunner } from './support/recording-runner.ts';
import { submitArchive, zipFolder } from './support/submissions.ts';

/**
 * A presigned upload URL stays valid until it expires, so a competitor can PUT a second archive to
 * the same key after the first was validated. The local S3 front answers the pinned GET's stale
 * `If-Match` with 412, as AWS does; the response-ETag comparison is the second guard.
 */

const EXAMPLES = 'examples/tissuenet';
let fixture: StorageFixture;
let ctx: PodiumContext;
let challenge: Challenge;
let baseline: Buffer;
let crash: Buffer;

beforeAll(async () => {
  fixture = await startStorageFixture();
  ctx = await fixture.freshContext();
  challenge = await loadChallenge(EXAMPLES);
  await registerChallenge(ctx, challenge);
  baseline = await zipFolder(join(EXAMPLES, 'baseline'));
  crash = await zipFolder(join(EXAMPLES, 'submissions', 'crash'));
});
afterAll(() => fixture?.close());

const put = (key: string, body: Buffer) => ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: key, Body: body }));
const head = (key: string) => ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: key }));

describe('an archive uploaded twice through the same URL', () => {
  it('records size and ETag on arrival; the second upload event changes nothing; the job refuses the swapped archive', async () => {
    const runner = new RecordingRunner();
    const id = await submitArchive(ctx, challenge, baseline, { teamId: 'team-swap' });
    const { archiveKey } = (await findSubmission(ctx, id))!;
    const bucket = ctx.config.submissionsBucket;
    expect(await onArchiveUploaded(ctx, runner, { bucket, key: archiveKey })).toBe('queued');
    const queued = (await findSubmission(ctx, id))!;
    expect(queued).toMatchObject({ status: 'QUEUED', archiveBytes: baseline.length, archiveETag: (await head(archiveKey)).ETag });

    await put(archiveKey, crash);
    const swapped = await head(archiveKey);
    expect(swapped.ETag).not.toBe(queued.archiveETag);
    const event = { bucket, key: archiveKey, size: crash.length, eTag: swapped.ETag!.replace(/"/g, '') };
    expect(await onArchiveUploaded(ctx, runner, event)).toBe('unchanged');
    expect(await onArchiveUploaded(ctx, runner, event)).toBe('unchanged');
    expect(await findSubmission(ctx, id)).toEqual(queued);
    expect(runner.submitted.map((spec) => spec.kind)).toEqual(['inference', 'scoring']);

    // The launcher reports the refusal (it holds no table credentials); the scoring job records it.
    const spec = inferenceRunSpec(challenge, queued, 1);
    const result = await runInferenceJob({ s3: ctx.s3, config: ctx.config }, spec, { workRoot: tmpdir() });
    expect(result).toMatchObject({ result: 'failed', codeRan: false, failure: { reason: 'ARCHIVE_INVALID' } });
    for (const to of ['RUNNING', 'SCORING'] as const) await transitionSubmission(ctx, id, { to });
    expect(await runScoringJob(ctx, id, 1)).toMatchObject({ outcome: 'failed' });
    const failed = (await findSubmission(ctx, id))!;
    expect(failed).toMatchObject({ status: 'FAILED', failure: { reason: 'ARCHIVE_INVALID' } });
    expect(failed.failure!.message).toBe(
      'the archive changed after it was validated (it was uploaded a second time to the same URL); submit again, uploading each archive once',
    );
    expect(failed.quotaSettledAt).toBeDefined();
  });

  it('rejects an archive replaced between its arrival and its validation (a handler that died half-way, then resumed)', async () => {
    const runner = new RecordingRunner();
    const id = await submitArchive(ctx, challenge, baseline, { teamId: 'team-resume' });
    const { archiveKey } = (await findSubmission(ctx, id))!;
    // The first handler recorded the version, then died before validating it.
    const first = await head(archiveKey);
    await transitionSubmission(ctx, id, { to: 'UPLOADED', from: ['CREATED'], set: { archiveBytes: first.ContentLength!, archiveETag: first.ETag! } });
    await put(archiveKey, crash);

    expect(await onArchiveUploaded(ctx, runner, { bucket: ctx.config.submissionsBucket, key: archiveKey })).toBe('rejected');
    const rejected = (await findSubmission(ctx, id))!;
    expect(rejected).toMatchObject({ status: 'REJECTED', failure: { reason: 'ARCHIVE_INVALID' } });
    expect(rejected.failure!.message).toMatch(/^the archive changed while it was being validated/);
    expect(runner.submitted).toEqual([]);
  });

  it('validates the version present when the first event is handled, even when that event describes an older one', async () => {
    const runner = new RecordingRunner();
    const id = await submitArchive(ctx, challenge, crash, { teamId: 'team-late-event' });
    const { archiveKey } = (await findSubmission(ctx, id))!;
    const older = await head(archiveKey);
    await put(archiveKey, baseline);
    // The first PUT's event arrives after the second PUT: size and ETag come from HeadObject.
    const event = { bucket: ctx.config.submissionsBucket, key: archiveKey, size: crash.length, eTag: older.ETag! };
    expect(await onArchiveUploaded(ctx, runner, event)).toBe('queued');
    expect(await findSubmission(ctx, id)).toMatchObject({ archiveBytes: baseline.length, archiveETag: (await head(archiveKey)).ETag });
  });
});
