import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { BY_PHASE_INDEX } from '../storage/table-design.ts';
import { phaseSubmissionsPartition, type SubmissionRecord } from '../submissions/submission-record.ts';

/** The phase's SCORED, scored-mode submissions (smoke runs never rank), through the `byPhase` index. */
export async function scoredSubmissionsOfPhase(ctx: PodiumContext, challengeId: string, phaseId: string): Promise<SubmissionRecord[]> {
  const submissions: SubmissionRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tableName,
        IndexName: BY_PHASE_INDEX.name,
        KeyConditionExpression: '#pk = :phase',
        FilterExpression: '#status = :scored AND #mode = :mode',
        ExpressionAttributeNames: { '#pk': BY_PHASE_INDEX.partition, '#status': 'status', '#mode': 'mode' },
        ExpressionAttributeValues: { ':phase': phaseSubmissionsPartition(challengeId, phaseId), ':scored': 'SCORED', ':mode': 'scored' },
        ExclusiveStartKey: startKey,
      }),
    );
    submissions.push(...((page.Items ?? []) as SubmissionRecord[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return submissions;
}
