import type { PodiumContext } from '../context.ts';
import { paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, invalidCursor } from '../storage/page-cursor.ts';
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

/** The query of a phase's submissions (index GSI2), narrowed by the filter. */
function phaseSubmissionsQuery(ctx: PodiumContext, challengeId: string, phaseId: string, filter: SubmissionFilter) {
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
  return {
    TableName: ctx.config.tableName,
    IndexName: BY_PHASE_INDEX.name,
    KeyConditionExpression: '#pk = :pk',
    ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** A phase's submissions, oldest first, for organisers. */
export function listPhaseSubmissions(ctx: PodiumContext, challengeId: string, phaseId: string, filter: SubmissionFilter = {}): Promise<SubmissionRecord[]> {
  return queryAll<SubmissionRecord>(ctx.db, phaseSubmissionsQuery(ctx, challengeId, phaseId, filter));
}

/**
 * One page of the submissions of `phaseIds` (in that order; each phase oldest first, or newest first with `newestFirst`), filtered,
 * with the opaque cursor of the next page: the phase reached and the last index key read. A page
 * holds at most `limit` submissions; it may hold fewer when the filter skips many, never none while
 * more remain. A cursor this API did not return for these phases is VALIDATION_FAILED naming `query.cursor`.
 */
export async function listSubmissionsPage(
  ctx: PodiumContext,
  challengeId: string,
  phaseIds: readonly string[],
  filter: SubmissionFilter,
  page: { limit: number; cursor?: string; newestFirst?: boolean },
): Promise<{ submissions: SubmissionRecord[]; nextCursor?: string }> {
  const decoded = decodeCursor(page.cursor);
  let phaseIndex = 0;
  let startKey: Record<string, unknown> | undefined;
  if (decoded) {
    const { phase, ...key } = decoded;
    phaseIndex = phaseIds.indexOf(String(phase));
    if (phaseIndex < 0 || key[BY_PHASE_INDEX.partition] !== phaseSubmissionsPartition(challengeId, String(phase))) throw invalidCursor();
    startKey = key;
  }
  const submissions: SubmissionRecord[] = [];
  while (phaseIndex < phaseIds.length) {
    const phaseId = phaseIds[phaseIndex]!;
    const result = await ctx.db.send(
      new QueryCommand({
        ...phaseSubmissionsQuery(ctx, challengeId, phaseId, filter),
        Limit: page.limit - submissions.length,
        ScanIndexForward: !page.newestFirst,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    submissions.push(...((result.Items ?? []) as SubmissionRecord[]));
    startKey = result.LastEvaluatedKey;
    if (!startKey) phaseIndex += 1;
    if (submissions.length >= page.limit) break;
  }
  const more = phaseIndex < phaseIds.length;
  return { submissions, ...(more ? { nextCursor: encodeCursor({ phase: phaseIds[phaseIndex], ...(startKey ?? {}) }) } : {}) };
}

/** How many submissions a team has made, in every phase (a count query of its index partition: nothing is read back). */
export async function countTeamSubmissions(ctx: PodiumContext, challengeId: string, teamId: string): Promise<number> {
  let count = 0;
  const query = {
    TableName: ctx.config.tableName,
    IndexName: BY_OWNER_INDEX.name,
    KeyConditionExpression: `${BY_OWNER_INDEX.partition} = :pk`,
    ExpressionAttributeValues: { ':pk': teamSubmissionsPartition(challengeId, teamId) },
    Select: 'COUNT' as const,
  };
  for await (const page of paginateQuery({ client: ctx.db }, query)) count += page.Count ?? 0;
  return count;
}
