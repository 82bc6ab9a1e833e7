import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import { getChallenge } from '../challenge/challenge-registry.ts';
import { rebuildLeaderboard } from '../leaderboard/rebuild-leaderboard.ts';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { isConditionFailure } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { SubmissionRecord } from './submission-record.ts';

/**
 * Marks (or unmarks) a submission as the organisers' reference baseline, shown as such on
 * leaderboards. The phase's boards are rebuilt from the changed record: the flag shows on the
 * entry, and an organiser's test run enters the board when marked and leaves it when unmarked.
 */
export async function markBaseline(ctx: PodiumContext, submissionId: string, baseline: boolean, organiser: Principal): Promise<SubmissionRecord> {
  let submission: SubmissionRecord;
  try {
    const result = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.submission(submissionId),
        UpdateExpression: 'SET baseline = :baseline, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':baseline': baseline, ':at': ctx.now().toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    submission = result.Attributes as SubmissionRecord;
  } catch (error) {
    if (isConditionFailure(error)) throw notFound(`submission "${submissionId}"`);
    throw error;
  }
  await recordAudit(ctx, submission.challengeId, {
    actor: organiser.userId,
    action: baseline ? 'submission.baseline' : 'submission.unbaseline',
    target: submissionId,
  });
  if (submission.status === 'SCORED' && submission.mode === 'scored') {
    await rebuildLeaderboard(ctx, await getChallenge(ctx, submission.challengeId), submission.phaseId, submission);
  }
  return submission;
}
