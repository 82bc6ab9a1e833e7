import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPhase, loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { readSubmissionLog } from '#shared/submissions/submission-logs.ts';
import { buildSubmissionRecord, type SubmissionMode } from '#shared/submissions/submission-record.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

/** What a team sees of its run log follows the phase's log policy; hidden data never shows past it. */
describe('run logs per log policy', () => {
  let fixture: StorageFixture;
  let ctx: PodiumContext;
  let challenge: Challenge;
  const log = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

  beforeAll(async () => {
    fixture = await startStorageFixture();
    ctx = await fixture.freshContext();
    challenge = await loadChallenge('examples/tissuenet');
  });
  afterAll(async () => fixture.close());

  async function submissionWithLog(id: string, phaseId: string, mode: SubmissionMode) {
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(id), Body: log }));
    const submission = buildSubmissionRecord(
      { id, challengeId: 'tissuenet', phaseId, teamId: 't', submittedBy: 'u', mode, archiveKey: objectKeys.submissionArchive('tissuenet', phaseId, 't', id) },
      '2026-11-22T00:00:00.000Z',
    );
    return { submission, runtime: findPhase(challenge, phaseId)!.runtime };
  }

  it('shows the team only the last lines on the learning phase (tail, 20), and organisers everything', async () => {
    const { submission, runtime } = await submissionWithLog('learn1', 'learning', 'scored');
    const team = await readSubmissionLog(ctx, runtime, submission, 'team');
    expect(team).toEqual({ policy: 'tail', lines: Array.from({ length: 20 }, (_, i) => `line ${i + 11}`), truncated: true });
    const organiser = await readSubmissionLog(ctx, runtime, submission, 'organiser');
    expect(organiser.lines).toHaveLength(30);
  });

  it('shows the team nothing on the final phase (none), even the last line', async () => {
    const { submission, runtime } = await submissionWithLog('final1', 'final', 'scored');
    expect(await readSubmissionLog(ctx, runtime, submission, 'team')).toEqual({ policy: 'none', lines: [], truncated: false });
  });

  it('shows the whole log of a smoke run, which ran on public data', async () => {
    const { submission, runtime } = await submissionWithLog('smoke1', 'final', 'smoke');
    const team = await readSubmissionLog(ctx, runtime, submission, 'team');
    expect(team.policy).toBe('full');
    expect(team.lines).toHaveLength(30);
  });
});
