import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
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

export async function recordAudit(ctx: PodiumContext, challengeId: string, entry: Omit<AuditEntry, 'at'>): Promise<AuditEntry> {
  const at = ctx.now().toISOString();
  const full: AuditEntry = { at, ...entry };
  await ctx.db.send(
    new PutCommand({
      TableName: ctx.config.tableName,
      Item: { ...keys.auditLogEntry(challengeId, at, randomUUID()), kind: 'audit', challengeId, ...full },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return full;
}

export async function listAudit(ctx: PodiumContext, challengeId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.auditLogEntry(challengeId, '', '').pk },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const { at, actor, action, target, reason, details } = item as AuditEntry;
      entries.push({ at, actor, action, target, ...(reason ? { reason } : {}), ...(details ? { details } : {}) });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return entries;
}
