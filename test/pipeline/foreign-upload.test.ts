import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { onArchiveUploaded } from '#shared/pipeline/on-archive-uploaded.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { createSubmissionRecord, findSubmission } from '#shared/submissions/submission-record.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { RecordingRunner } from './support/recording-runner.ts';

describe('uploads to keys a submission does not own', () => {
  let fixture: StorageFixture;
  let ctx: PodiumContext;
  beforeAll(async () => {
    fixture = await startStorageFixture();
    ctx = await fixture.freshContext();
    await registerChallenge(ctx, await loadChallenge('examples/tissuenet'));
    await createSubmissionRecord(ctx, {
      id: 'subA',
      challengeId: 'tissuenet',
      phaseId: 'learning',
      teamId: 'teamA',
      submittedBy: 'alice',
      mode: 'scored',
      archiveKey: objectKeys.submissionArchive('tissuenet', 'learning', 'teamA', 'subA'),
    });
  });
  afterAll(async () => fixture.close());

  const put = async (key: string) => {
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: key, Body: 'PK\u0005\u0006'.padEnd(22, '\u0000') }));
    return { bucket: ctx.config.submissionsBucket, key, size: 22 };
  };

  it.each([
    ['another team, same submission id', objectKeys.submissionArchive('tissuenet', 'learning', 'teamB', 'subA')],
    ['another phase', objectKeys.submissionArchive('tissuenet', 'final', 'teamA', 'subA')],
    ['a submission that does not exist', objectKeys.submissionArchive('tissuenet', 'learning', 'teamA', 'nosuch')],
    ['not an archive key at all', 'tissuenet/learning/teamA/subA/evil.zip'],
  ])('ignores an upload to %s, changing nothing and starting no job', async (_what, key) => {
    const runner = new RecordingRunner();
    expect(await onArchiveUploaded(ctx, runner, await put(key))).toBe('ignored');
    expect(runner.submitted).toEqual([]);
    expect((await findSubmission(ctx, 'subA'))?.status).toBe('CREATED');
  });
});
