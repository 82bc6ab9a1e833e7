import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type PodiumContext } from '#shared/context.ts';
import { createIfAbsent, addMemberWithinLimit, membersOf, removeMember, putIfBetterScore, transitionStatus } from '#shared/storage/conditional-writes.ts';
import { ensureTable } from '#shared/storage/provision.ts';
import { rankSortKey } from '#shared/storage/rank-sort-key.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import { LEADERBOARD_INDEX } from '#shared/storage/table-design.ts';
import { startEmbeddedServers, type EmbeddedServers } from '../../local/embedded-servers.ts';
import { javaAvailable, startDynamoDbLocal, type DynamoDbLocal } from '../support/dynamodb-local.ts';
import { LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';

/**
 * The storage contract: the four conditional writes behave the same on dynalite (what `npm start`
 * and the tests use) and on DynamoDB Local (AWS's own emulator), so the local stack cannot hide a
 * difference that would only show on AWS.
 */
interface Backend {
  name: string;
  start(): Promise<{ endpoint: string; stop(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'dynalite',
    async start() {
      const servers: EmbeddedServers = await startEmbeddedServers();
      return { endpoint: servers.dynamoEndpoint, stop: () => servers.close() };
    },
  },
];
if (javaAvailable()) {
  backends.push({
    name: 'DynamoDB Local',
    start: async () => {
      const local: DynamoDbLocal = await startDynamoDbLocal();
      return { endpoint: local.endpoint, stop: () => local.stop() };
    },
  });
} else {
  console.warn('storage contract: java not found, DynamoDB Local backend skipped (CI installs it)');
}

describe.each(backends)('storage contract on $name', (backend) => {
  let stop: () => Promise<void>;
  let ctx: PodiumContext;
  const table = () => ctx.config.tableName;

  beforeAll(async () => {
    const started = await backend.start();
    stop = started.stop;
    const config = storageConfigSchema.parse({
      ...LOCAL_STORAGE_NAMES,
      tableName: `contract-${randomUUID().slice(0, 8)}`,
      dynamoEndpoint: started.endpoint,
      s3Endpoint: 'http://127.0.0.1:9', // unused here
    });
    ctx = createContext(config);
    await ensureTable(ctx.db, config);
  }, 60_000);

  afterAll(async () => {
    await stop?.();
  });

  const read = async (pk: string, sk: string) => (await ctx.db.send(new GetCommand({ TableName: table(), Key: { pk, sk }, ConsistentRead: true }))).Item;

  it('creates an item once and returns the stored one on a repeat', async () => {
    const first = await createIfAbsent(ctx.db, table(), { pk: 'C#1', sk: 'META', title: 'first' });
    const second = await createIfAbsent(ctx.db, table(), { pk: 'C#1', sk: 'META', title: 'second' });
    expect(first.created).toBe(true);
    expect(second).toEqual({ created: false, item: { pk: 'C#1', sk: 'META', title: 'first' } });
  });

  it('applies a status transition only from an expected status and attempt', async () => {
    await createIfAbsent(ctx.db, table(), { pk: 'S#1', sk: 'META', status: 'QUEUED', attempt: 2, activepk: 'ACTIVE' });
    const staleAttempt = await transitionStatus(ctx.db, table(), { pk: 'S#1', sk: 'META' }, { from: ['QUEUED'], to: 'RUNNING', attempt: 1 });
    const applied = await transitionStatus(
      ctx.db,
      table(),
      { pk: 'S#1', sk: 'META' },
      {
        from: ['QUEUED'],
        to: 'RUNNING',
        attempt: 2,
        set: { startedAt: '2026-11-22T10:00:00.000Z' },
        remove: ['activepk'],
      },
    );
    const duplicate = await transitionStatus(ctx.db, table(), { pk: 'S#1', sk: 'META' }, { from: ['QUEUED'], to: 'RUNNING', attempt: 2 });
    const missing = await transitionStatus(ctx.db, table(), { pk: 'S#absent', sk: 'META' }, { from: ['QUEUED'], to: 'RUNNING' });
    expect([staleAttempt, applied, duplicate, missing]).toEqual([false, true, false, false]);
    expect(await read('S#1', 'META')).toEqual({ pk: 'S#1', sk: 'META', status: 'RUNNING', attempt: 2, startedAt: '2026-11-22T10:00:00.000Z' });
    expect(await read('S#absent', 'META')).toBeUndefined();
  });

  it('admits exactly one of twenty concurrent charges racing for the last unit', async () => {
    const key = { pk: 'Q#race', sk: 'DAY#2026-11-22' };
    expect(await addMemberWithinLimit(ctx.db, table(), key, 's1', 3)).toBe(true);
    expect(await addMemberWithinLimit(ctx.db, table(), key, 's2', 3)).toBe(true);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => addMemberWithinLimit(ctx.db, table(), key, `r${i}`, 3)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(membersOf(await read(key.pk, key.sk)).size).toBe(3);
  });

  it('charges and refunds each submission at most once, whatever is retried', async () => {
    const key = { pk: 'Q#idempotent', sk: 'TOTAL' };
    expect(await addMemberWithinLimit(ctx.db, table(), key, 's1', 2)).toBe(true);
    expect(await addMemberWithinLimit(ctx.db, table(), key, 's1', 2)).toBe(true); // a retry: still one charge
    expect(await addMemberWithinLimit(ctx.db, table(), key, 's2', 2)).toBe(true);
    expect(await addMemberWithinLimit(ctx.db, table(), key, 's2', 2)).toBe(true); // at the limit, a retry still succeeds
    expect(await addMemberWithinLimit(ctx.db, table(), key, 's3', 2)).toBe(false);
    await removeMember(ctx.db, table(), key, 's1');
    await removeMember(ctx.db, table(), key, 's1'); // a duplicate refund
    await removeMember(ctx.db, table(), { pk: 'Q#idempotent', sk: 'ABSENT' }, 's1'); // nothing to refund
    expect([...membersOf(await read(key.pk, key.sk))]).toEqual(['s2']);
    await removeMember(ctx.db, table(), key, 's2');
    expect(membersOf(await read(key.pk, key.sk)).size).toBe(0);
    expect(await addMemberWithinLimit(ctx.db, table(), key, 's4', 2)).toBe(true);
  });

  it('keeps the better score, and the earlier submission on a tie', async () => {
    const entry = (score: number, submittedAt: string, submissionId: string) => ({
      pk: 'LB#t#p#public',
      sk: 'TEAM#a',
      score,
      submittedAt,
      submissionId,
    });
    expect(await putIfBetterScore(ctx.db, table(), entry(0.7, '2026-11-02T00:00:00Z', 's1'), true)).toBe(true);
    expect(await putIfBetterScore(ctx.db, table(), entry(0.6, '2026-11-01T00:00:00Z', 's2'), true)).toBe(false);
    expect(await putIfBetterScore(ctx.db, table(), entry(0.7, '2026-11-03T00:00:00Z', 's3'), true)).toBe(false);
    expect(await putIfBetterScore(ctx.db, table(), entry(0.7, '2026-11-01T00:00:00Z', 's4'), true)).toBe(true);
    expect(await putIfBetterScore(ctx.db, table(), entry(0.7, '2026-11-01T00:00:00Z', 's4'), true)).toBe(false); // replay
    expect(await putIfBetterScore(ctx.db, table(), entry(0.9, '2026-11-05T00:00:00Z', 's5'), true)).toBe(true);
    expect((await read('LB#t#p#public', 'TEAM#a'))?.submissionId).toBe('s5');
    // Lower is better (log loss): 0.2 beats 0.3.
    const lowerIsBetter = { ...entry(0.3, '2026-11-01T00:00:00Z', 'l1'), sk: 'TEAM#b' };
    await putIfBetterScore(ctx.db, table(), lowerIsBetter, false);
    expect(await putIfBetterScore(ctx.db, table(), { ...lowerIsBetter, score: 0.4, submissionId: 'l2' }, false)).toBe(false);
    expect(await putIfBetterScore(ctx.db, table(), { ...lowerIsBetter, score: 0.2, submissionId: 'l3' }, false)).toBe(true);
  });

  it('orders a leaderboard index best first with rank sort keys, negatives and ties included', async () => {
    const scores = [
      { team: 'neg', score: -2.5, at: '2026-11-01T00:00:00Z' },
      { team: 'zero', score: 0, at: '2026-11-01T00:00:00Z' },
      { team: 'tie-late', score: 0.75, at: '2026-11-03T00:00:00Z' },
      { team: 'tie-early', score: 0.75, at: '2026-11-02T00:00:00Z' },
      { team: 'best', score: 12, at: '2026-11-04T00:00:00Z' },
      { team: 'tiny', score: 1e-9, at: '2026-11-01T00:00:00Z' },
    ];
    for (const direction of [true, false]) {
      const lbpk = `LB#order#${direction}`;
      for (const { team, score, at } of scores) {
        await createIfAbsent(ctx.db, table(), { pk: lbpk, sk: `TEAM#${team}`, lbpk, lbsk: rankSortKey(score, direction, at), team });
      }
      const page = await ctx.db.send(
        new QueryCommand({
          TableName: table(),
          IndexName: LEADERBOARD_INDEX.name,
          KeyConditionExpression: 'lbpk = :pk',
          ExpressionAttributeValues: { ':pk': lbpk },
        }),
      );
      const order = (page.Items ?? []).map((item) => item.team);
      expect(order).toEqual(direction ? ['best', 'tie-early', 'tie-late', 'tiny', 'zero', 'neg'] : ['neg', 'zero', 'tiny', 'tie-early', 'tie-late', 'best']);
    }
  });
});
