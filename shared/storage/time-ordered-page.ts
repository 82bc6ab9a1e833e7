import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { decodeCursor, encodeCursor, invalidCursor } from './page-cursor.ts';

/** Instants as `Date.toISOString()` writes them: `from` included, `to` excluded. */
export interface TimeRange {
  from?: string;
  to?: string;
}

/** Attribute equalities a page is narrowed by (a DynamoDB filter expression: read, then left out); an undefined one is no filter. */
export type AttributeFilter = Record<string, string | undefined>;

export interface TimeOrderedPageRequest {
  limit: number;
  cursor?: string | undefined;
  order: 'oldest' | 'newest';
}

/** At most this many items are read a request (`READS` queries of `READ_BATCH`), so a filter matching little cannot make one request read a whole log. */
const READ_BATCH = 250;
const READS = 8;

/**
 * One page of a partition whose sort key starts with the ISO time (`<at>#<id>`: the audit and
 * access logs). The time range is the key condition (an ISO time sorts as the instant it names,
 * so `sk >= from` keeps `at >= from` and `sk < to` keeps `at < to`); the filter is applied to the
 * items read. A page holds at most `limit` items, fewer (even none) when the filter skips many;
 * `nextCursor` is absent once the range is read to its end. A cursor this API did not return for
 * this partition and range is VALIDATION_FAILED naming `query.cursor`.
 */
export async function readTimeOrderedPage<Item>(
  ctx: PodiumContext,
  partition: string,
  range: TimeRange,
  filter: AttributeFilter,
  page: TimeOrderedPageRequest,
): Promise<{ items: Item[]; nextCursor?: string }> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':pk': partition };
  const keyCondition = ['pk = :pk'];
  if (range.from && range.to) keyCondition.push('sk BETWEEN :from AND :to');
  else if (range.from) keyCondition.push('sk >= :from');
  else if (range.to) keyCondition.push('sk < :to');
  if (range.from) values[':from'] = range.from;
  if (range.to) values[':to'] = range.to;
  const conditions: string[] = [];
  Object.entries(filter).forEach(([attribute, wanted], index) => {
    if (wanted === undefined) return;
    names[`#f${index}`] = attribute;
    values[`:f${index}`] = wanted;
    conditions.push(`#f${index} = :f${index}`);
  });
  let startKey = startKeyOf(page.cursor, partition, range);
  const items: Item[] = [];
  for (let read = 0; read < READS; read++) {
    const result = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tableName,
        KeyConditionExpression: keyCondition.join(' AND '),
        ...(conditions.length ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ScanIndexForward: page.order === 'oldest',
        Limit: READ_BATCH,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const found = (result.Items ?? []) as Item[];
    const room = page.limit - items.length;
    items.push(...found.slice(0, room));
    // More found than the page holds: the next page starts after the last one kept.
    if (found.length > room) return { items, nextCursor: encodeCursor(keyOf(items.at(-1) as Record<string, unknown>))! };
    startKey = result.LastEvaluatedKey;
    if (!startKey) return { items };
    if (items.length === page.limit) break;
  }
  return { items, nextCursor: encodeCursor(startKey)! };
}

const keyOf = (item: Record<string, unknown>) => ({ pk: item.pk, sk: item.sk });

/** The key a cursor holds, refused unless it is a key of this partition inside the range (DynamoDB would refuse a start key outside the key condition). */
function startKeyOf(cursor: string | undefined, partition: string, range: TimeRange): Record<string, unknown> | undefined {
  const key = decodeCursor(cursor);
  if (!key) return undefined;
  const { pk, sk, ...rest } = key;
  const inRange = typeof sk === 'string' && (!range.from || sk >= range.from) && (!range.to || sk < range.to);
  if (pk !== partition || !inRange || Object.keys(rest).length > 0) throw invalidCursor();
  return { pk, sk };
}
