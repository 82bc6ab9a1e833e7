import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { queryItems } from '../storage/query-all.ts';
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

export async function listAudit(ctx: PodiumContext, challengeId: string): Promise<AuditEntry[]> {
  const items = queryItems<AuditEntry>(ctx.db, {
    TableName: ctx.config.tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.auditLogEntry(challengeId, '', '').pk },
  });
  const entries: AuditEntry[] = [];
  for await (const item of items) {
    const { at, actor, action, target, reason, details } = item;
    entries.push({ at, actor, action, target, ...(reason ? { reason } : {}), ...(details ? { details } : {}) });
  }
  return entries;
}
