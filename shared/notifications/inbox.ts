import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../discussion/topics.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { NotificationRecord } from './publish-notification.ts';

/** Unread notifications are counted among the latest this many (one bounded query); the API says "500+" beyond. */
export const UNREAD_COUNT_WINDOW = 500;

const prefix = (userId: string) => ({ pk: keys.notification(userId, '', '').pk, sk: 'NOTIFICATION#' });

export function notificationView(record: NotificationRecord) {
  return {
    id: record.sk.slice('NOTIFICATION#'.length),
    type: record.type,
    challengeId: record.challengeId,
    at: record.at,
    title: record.title,
    text: record.text,
    ...(record.link ? { link: record.link } : {}),
    read: Boolean(record.readAt),
  };
}

/** A page of the caller's notifications, newest first, with the unread count. */
export async function listNotifications(ctx: PodiumContext, userId: string, page: { limit: number; cursor?: string; unreadOnly?: boolean }) {
  const { pk, sk } = prefix(userId);
  const startKey = decodeCursor(page.cursor);
  const result = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': sk },
      ScanIndexForward: false,
      Limit: page.limit,
      ...(page.unreadOnly ? { FilterExpression: 'attribute_not_exists(readAt)' } : {}),
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  return {
    notifications: ((result.Items ?? []) as NotificationRecord[]).map(notificationView),
    nextCursor: encodeCursor(result.LastEvaluatedKey),
    ...(await unreadCount(ctx, userId)),
  };
}

export async function unreadCount(ctx: PodiumContext, userId: string): Promise<{ unread: number; unreadCapped: boolean }> {
  const { pk, sk } = prefix(userId);
  const result = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: 'attribute_not_exists(readAt)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': sk },
      ScanIndexForward: false,
      Limit: UNREAD_COUNT_WINDOW,
      Select: 'COUNT',
    }),
  );
  return { unread: result.Count ?? 0, unreadCapped: Boolean(result.LastEvaluatedKey) && (result.Count ?? 0) > 0 };
}

/** Marks notifications read (the listed ids, or all unread ones); marking twice changes nothing. */
export async function markRead(ctx: PodiumContext, userId: string, request: { ids?: string[]; all?: boolean }): Promise<number> {
  let ids = request.ids ?? [];
  if (request.all) {
    const page = await listNotifications(ctx, userId, { limit: UNREAD_COUNT_WINDOW, unreadOnly: true });
    ids = page.notifications.map((notification) => notification.id);
  }
  if (!ids.length && !request.all) throw new PodiumError('VALIDATION_FAILED', 'body: give `ids` or `all: true`');
  const at = ctx.now().toISOString();
  let marked = 0;
  for (const id of ids) {
    const applied = await writeIfCondition(
      ctx.db,
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: { pk: prefix(userId).pk, sk: `NOTIFICATION#${id}` },
        UpdateExpression: 'SET readAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(readAt)',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
    if (applied) marked++;
  }
  return marked;
}
