import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { queryAll } from '../storage/query-all.ts';
import { BY_OWNER_INDEX, keys } from '../storage/table-design.ts';
import type { Challenge } from './challenge.ts';

/** The stored record of a challenge: its validated definition plus pages and rules version. */
export interface ChallengeRecord {
  pk: string;
  sk: string;
  kind: 'challenge';
  gsi1pk: 'CHALLENGES';
  gsi1sk: string;
  id: string;
  title: string;
  definitionHash: string;
  registeredAt: string;
  updatedAt: string;
  challenge: Challenge;
}

export function definitionHashOf(challenge: Challenge): string {
  return createHash('sha256').update(JSON.stringify(challenge)).digest('hex').slice(0, 16);
}

/**
 * Stores (or updates) a challenge definition. Idempotent: an unchanged definition writes nothing.
 * Each rules version is kept, so past acceptances keep pointing at the text that was accepted.
 */
export async function registerChallenge(ctx: PodiumContext, challenge: Challenge): Promise<{ changed: boolean }> {
  const at = ctx.now().toISOString();
  const definitionHash = definitionHashOf(challenge);
  const table = ctx.config.tableName;
  await writeIfCondition(
    ctx.db,
    new PutCommand({
      TableName: table,
      Item: { ...keys.rulesVersion(challenge.id, challenge.rulesVersion), kind: 'rules', version: challenge.rulesVersion, markdown: challenge.rulesMarkdown, at },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  const existing = await getChallengeRecord(ctx, challenge.id);
  const record: ChallengeRecord = {
    ...keys.challenge(challenge.id),
    kind: 'challenge',
    gsi1pk: 'CHALLENGES',
    gsi1sk: challenge.id,
    id: challenge.id,
    title: challenge.title,
    definitionHash,
    registeredAt: existing?.registeredAt ?? at,
    updatedAt: at,
    challenge,
  };
  const changed = await writeIfCondition(
    ctx.db,
    new PutCommand({
      TableName: table,
      Item: record,
      ConditionExpression: 'attribute_not_exists(pk) OR definitionHash <> :hash',
      ExpressionAttributeValues: { ':hash': definitionHash },
    }),
  );
  return { changed };
}

export async function getChallengeRecord(ctx: PodiumContext, challengeId: string): Promise<ChallengeRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.challenge(challengeId) }));
  return result.Item as ChallengeRecord | undefined;
}

/** The challenge definition, or NOT_FOUND. */
export async function getChallenge(ctx: PodiumContext, challengeId: string): Promise<Challenge> {
  const record = await getChallengeRecord(ctx, challengeId);
  if (!record) throw notFound(`challenge "${challengeId}"`);
  return record.challenge;
}

/** Every registered challenge, through the owner index (all challenge records share one owner key). */
export async function listChallenges(ctx: PodiumContext): Promise<Challenge[]> {
  const records = await queryAll<ChallengeRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    IndexName: BY_OWNER_INDEX.name,
    KeyConditionExpression: '#pk = :all',
    ExpressionAttributeNames: { '#pk': BY_OWNER_INDEX.partition },
    ExpressionAttributeValues: { ':all': 'CHALLENGES' },
  });
  return records.map((record) => record.challenge);
}
