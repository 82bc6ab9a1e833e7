import type { PodiumContext } from '../context.ts';
import { queryAll } from '../storage/query-all.ts';
import { BY_PHASE_INDEX } from '../storage/table-design.ts';
import { phaseSubmissionsPartition, type SubmissionRecord } from '../submissions/submission-record.ts';

/** The query for a phase's SCORED, scored-mode submissions (smoke runs never rank), on the `byPhase` index. */
export function scoredSubmissionsQuery(ctx: PodiumContext, challengeId: string, phaseId: string) {
  return {
    TableName: ctx.config.tableName,
    IndexName: BY_PHASE_INDEX.name,
    KeyConditionExpression: '#pk = :phase',
    FilterExpression: '#status = :scored AND #mode = :mode',
    ExpressionAttributeNames: { '#pk': BY_PHASE_INDEX.partition, '#status': 'status', '#mode': 'mode' },
    ExpressionAttributeValues: { ':phase': phaseSubmissionsPartition(challengeId, phaseId), ':scored': 'SCORED', ':mode': 'scored' },
  };
}

/** The phase's SCORED, scored-mode submissions. */
export async function scoredSubmissionsOfPhase(ctx: PodiumContext, challengeId: string, phaseId: string): Promise<SubmissionRecord[]> {
  return queryAll<SubmissionRecord>(ctx.db, scoredSubmissionsQuery(ctx, challengeId, phaseId));
}
