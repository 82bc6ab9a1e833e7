import type { PodiumContext } from '../context.ts';
import { queryAll } from '../storage/query-all.ts';
import { BY_PHASE_INDEX } from '../storage/table-design.ts';
import { phaseSubmissionsPartition, type SubmissionRecord } from '../submissions/submission-record.ts';

/** The phase's SCORED, scored-mode submissions (smoke runs never rank), through the `byPhase` index. */
export async function scoredSubmissionsOfPhase(ctx: PodiumContext, challengeId: string, phaseId: string): Promise<SubmissionRecord[]> {
  return queryAll<SubmissionRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    IndexName: BY_PHASE_INDEX.name,
    KeyConditionExpression: '#pk = :phase',
    FilterExpression: '#status = :scored AND #mode = :mode',
    ExpressionAttributeNames: { '#pk': BY_PHASE_INDEX.partition, '#status': 'status', '#mode': 'mode' },
    ExpressionAttributeValues: { ':phase': phaseSubmissionsPartition(challengeId, phaseId), ':scored': 'SCORED', ':mode': 'scored' },
  });
}
