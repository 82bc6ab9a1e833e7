import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { queryItems } from '../storage/query-all.ts';
import { keys } from '../storage/table-design.ts';
import { withRetries } from '../retry.ts';

/** One download URL issued: who got which file of which dataset, when, valid until when. */
export interface AccessLogEntry {
  at: string;
  userId: string;
  email: string;
  datasetId: string;
  path: string;
  expiresAt: string;
}

const BATCH = 25;
const WRITE_ATTEMPTS = 9;

/** DynamoDB throttled part of a batch: what is left is written again, after a wait. */
class UnprocessedEntries extends Error {
  constructor(count: number) {
    super(`the access log could not be written: DynamoDB kept throttling (${count} entries left after ${WRITE_ATTEMPTS} attempts)`);
  }
}

/**
 * Appends entries. Each has a fresh unique key, so the batch put cannot overwrite anything and a
 * retried batch adds no duplicate of a stored entry.
 */
export async function appendAccessLog(ctx: PodiumContext, challengeId: string, entries: AccessLogEntry[]): Promise<void> {
  const items = entries.map((entry) => ({ ...keys.accessLogEntry(challengeId, entry.at, randomUUID()), kind: 'access', challengeId, ...entry }));
  for (let start = 0; start < items.length; start += BATCH) {
    let pending: Record<string, unknown>[] = items.slice(start, start + BATCH).map((Item) => ({ PutRequest: { Item } }));
    await withRetries(
      async () => {
        const result = await ctx.db.send(new BatchWriteCommand({ RequestItems: { [ctx.config.tableName]: pending as never } }));
        pending = (result.UnprocessedItems?.[ctx.config.tableName] ?? []) as Record<string, unknown>[];
        if (pending.length > 0) throw new UnprocessedEntries(pending.length);
      },
      { attempts: WRITE_ATTEMPTS, delayMs: (attempt) => 20 * 2 ** (attempt - 1), retryable: (error) => error instanceof UnprocessedEntries },
    );
  }
}

/** The access log of a challenge, oldest first. */
export async function listAccessLog(ctx: PodiumContext, challengeId: string): Promise<AccessLogEntry[]> {
  const items = queryItems<AccessLogEntry>(ctx.db, {
    TableName: ctx.config.tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.accessLogEntry(challengeId, '', '').pk },
  });
  const entries: AccessLogEntry[] = [];
  for await (const item of items) {
    const { at, userId, email, datasetId, path, expiresAt } = item;
    entries.push({ at, userId, email, datasetId, path, expiresAt });
  }
  return entries;
}
