import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { isConditionFailure } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { SubmissionRecord } from './submission-record.ts';

/** Marks (or unmarks) a submission as the organisers' reference baseline, shown as such on leaderboards. */
export async function markBaseline(ctx: PodiumContext, submissionId: string, baseline: boolean, organiser: Principal): Promise<SubmissionRecord> {
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
    const submission = result.Attributes as SubmissionRecord;
    await recordAudit(ctx, submission.challengeId, { actor: organiser.userId, action: baseline ? 'submission.baseline' : 'submission.unbaseline', target: submissionId });
    return submission;
  } catch (error) {
    if (isConditionFailure(error)) throw notFound(`submission "${submissionId}"`);
    throw error;
  }
}
