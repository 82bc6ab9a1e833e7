import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { queryItems } from '../storage/query-all.ts';
import { readTimeOrderedPage, type TimeOrderedPageRequest, type TimeRange } from '../storage/time-ordered-page.ts';
import { keys } from '../storage/table-design.ts';

/** An organiser action, kept for the record: who did what to which thing, when and why. */
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/**
 * Appends an entry. With `once` (a time and an id of the caller's), the entry is written at most
 * once: a step repeated after a crash, or by a concurrent call, records nothing more.
 */
export async function recordAudit(
  ctx: PodiumContext,
  challengeId: string,
  entry: Omit<AuditEntry, 'at'>,
  once?: { at: string; id: string },
): Promise<AuditEntry> {
  const at = once?.at ?? ctx.now().toISOString();
  const full: AuditEntry = { at, ...entry };
  const put = new PutCommand({
    TableName: ctx.config.tableName,
    Item: { ...keys.auditLogEntry(challengeId, at, once?.id ?? randomUUID()), kind: 'audit', challengeId, ...full },
    ConditionExpression: 'attribute_not_exists(pk)',
  });
  if (once) await writeIfCondition(ctx.db, put);
  else await ctx.db.send(put);
  return full;
}

/** What an organiser narrows the audit log to: who acted, which action, when. */
export interface AuditFilter extends TimeRange {
  actor?: string;
  action?: string;
}

const entryOf = ({ at, actor, action, target, reason, details }: AuditEntry): AuditEntry => ({
  at,
  actor,
  action,
  target,
  ...(reason ? { reason } : {}),
  ...(details ? { details } : {}),
});

/** One page of the audit log (`readTimeOrderedPage`): the time range is the key condition, actor and action filter what it reads. */
export async function listAuditPage(
  ctx: PodiumContext,
  challengeId: string,
  { actor, action, from, to }: AuditFilter,
  page: TimeOrderedPageRequest,
): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
  const partition = keys.auditLogEntry(challengeId, '', '').pk;
  const { items, nextCursor } = await readTimeOrderedPage<AuditEntry & Record<string, unknown>>(ctx, partition, { from, to }, { actor, action }, page);
  return { entries: items.map(entryOf), ...(nextCursor ? { nextCursor } : {}) };
}

export async function listAudit(ctx: PodiumContext, challengeId: string): Promise<AuditEntry[]> {
  const items = queryItems<AuditEntry>(ctx.db, {
    TableName: ctx.config.tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.auditLogEntry(challengeId, '', '').pk },
  });
  const entries: AuditEntry[] = [];
  for await (const item of items) entries.push(entryOf(item));
  return entries;
}
