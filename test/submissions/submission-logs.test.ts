import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '#shared/audit/audit-log.ts';
import type { PodiumContext } from '#shared/context.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { readOrganiserLog, readTeamLog } from '#shared/submissions/submission-logs.ts';
import { buildSubmissionRecord, type SubmissionMode } from '#shared/submissions/submission-record.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

/** A team reads all of a smoke run's log and nothing of a run on hidden data; organisers read all, on the record. */
describe('run logs', () => {
  let fixture: StorageFixture;
  let ctx: PodiumContext;
  const log = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

  beforeAll(async () => {
    fixture = await startStorageFixture();
    ctx = await fixture.freshContext();
  });
  afterAll(async () => fixture.close());

  async function submissionWithLog(id: string, phaseId: string, mode: SubmissionMode) {
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.runLog(id, 1), Body: log }));
    return buildSubmissionRecord(
      { id, challengeId: 'tissuenet', phaseId, teamId: 't', submittedBy: 'u', mode, archiveKey: objectKeys.submissionArchive('tissuenet', phaseId, 't', id) },
      '2026-11-22T00:00:00.000Z',
    );
  }

  it.each(['learning', 'final'])(
    'shows the team not one line of a run on the %s phase’s hidden data, with a note saying how to see ' + 'logs',
    async (phaseId) => {
      const submission = await submissionWithLog(`${phaseId}1`, phaseId, 'scored');
      const team = await readTeamLog(ctx, submission);
      expect(team).toMatchObject({ visibility: 'hidden', lines: [] });
      expect(team.note).toMatch(/smoke runs .* full log/i);
    },
  );

  it('shows the whole log of a smoke run, which ran on public data', async () => {
    const team = await readTeamLog(ctx, await submissionWithLog('smoke1', 'final', 'smoke'));
    expect(team).toEqual({ visibility: 'full', lines: Array.from({ length: 30 }, (_, i) => `line ${i + 1}`) });
  });

  it('shows organisers the whole log of a hidden-data run and records each read in the audit log', async () => {
    const submission = await submissionWithLog('audited1', 'learning', 'scored');
    expect((await readOrganiserLog(ctx, submission, 'org-1')).lines).toHaveLength(30);
    await readOrganiserLog(ctx, submission, 'org-2');
    const reads = (await listAudit(ctx, 'tissuenet')).filter((entry) => entry.action === 'submission.logs.read' && entry.target === 'audited1');
    expect(reads.map((entry) => entry.actor).sort()).toEqual(['org-1', 'org-2']);
  });
});
