import type { PodiumContext } from '../context.ts';
import { queryAll } from '../storage/query-all.ts';
import { BY_OWNER_INDEX, BY_PHASE_INDEX } from '../storage/table-design.ts';
import { phaseSubmissionsPartition, teamSubmissionsPartition, type SubmissionRecord } from './submission-record.ts';
import type { SubmissionStatus } from './submission-status.ts';

/** A team's submissions, newest first, optionally in one phase. */
export function listTeamSubmissions(ctx: PodiumContext, challengeId: string, teamId: string, phaseId?: string): Promise<SubmissionRecord[]> {
  return queryAll<SubmissionRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    IndexName: BY_OWNER_INDEX.name,
    KeyConditionExpression: phaseId ? '#pk = :pk AND begins_with(#sk, :phase)' : '#pk = :pk',
    ExpressionAttributeNames: { '#pk': BY_OWNER_INDEX.partition, ...(phaseId ? { '#sk': BY_OWNER_INDEX.sort } : {}) },
    ExpressionAttributeValues: { ':pk': teamSubmissionsPartition(challengeId, teamId), ...(phaseId ? { ':phase': `${phaseId}#` } : {}) },
    ScanIndexForward: false,
  });
}

export interface SubmissionFilter {
  status?: SubmissionStatus;
  teamId?: string;
}

/** A phase's submissions, oldest first, for organisers. */
export function listPhaseSubmissions(ctx: PodiumContext, challengeId: string, phaseId: string, filter: SubmissionFilter = {}): Promise<SubmissionRecord[]> {
  const conditions: string[] = [];
  const names: Record<string, string> = { '#pk': BY_PHASE_INDEX.partition };
  const values: Record<string, unknown> = { ':pk': phaseSubmissionsPartition(challengeId, phaseId) };
  if (filter.status) {
    conditions.push('#status = :status');
    names['#status'] = 'status';
    values[':status'] = filter.status;
  }
  if (filter.teamId) {
    conditions.push('#team = :team');
    names['#team'] = 'teamId';
    values[':team'] = filter.teamId;
  }
  return queryAll<SubmissionRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    IndexName: BY_PHASE_INDEX.name,
    KeyConditionExpression: '#pk = :pk',
    ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  });
}
