import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { queryAll } from '../storage/query-all.ts';
import { BY_OWNER_INDEX, keys } from '../storage/table-design.ts';
import type { Challenge } from './challenge.ts';
import { runtimeChanges, type RuntimeChange } from './runtime-change.ts';

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

/** Who registers a definition, and whether an open phase's runtime may change (forced, with a reason). */
export interface RegistrationRequest {
  /** The organiser's user id, or the tool acting for one; kept in the audit log of a forced change. */
  by: string;
  force?: boolean;
  reason?: string;
}

/**
 * Stores (or updates) a challenge definition. Idempotent: an unchanged definition writes nothing.
 * Each rules version is kept, so past acceptances keep pointing at the text that was accepted.
 *
 * Changing the runtime of an open phase is refused (INVALID_STATE): its teams tested and submitted
 * against one set of packages. Forced with a reason, the change goes to the audit log. The write is
 * conditional on the definition read, so a concurrent update cannot slip a change past the check.
 */
export async function registerChallenge(
  ctx: PodiumContext,
  challenge: Challenge,
  request: RegistrationRequest = { by: 'podium' },
): Promise<{ changed: boolean; runtimeChanges: RuntimeChange[] }> {
  const at = ctx.now().toISOString();
  const definitionHash = definitionHashOf(challenge);
  const table = ctx.config.tableName;
  const existing = await getChallengeRecord(ctx, challenge.id);
  const changes = existing ? runtimeChanges(existing.challenge, challenge, ctx.now()) : [];
  const forced = changes.filter((change) => change.open);
  const reason = request.reason?.trim();
  if (forced.length > 0 && !request.force) {
    const list = forced.map((change) => `phase "${change.phaseId}" from ${change.from} to ${change.to}`).join('; ');
    throw new PodiumError(
      'INVALID_STATE',
      `${challenge.id}: changing the runtime of an open phase (${list}) would run its teams' code in other packages than they tested against. ` +
        'Publish a new phase, or force the change with a reason (audit-logged)',
      { runtimeChanges: forced },
    );
  }
  if (forced.length > 0 && !reason) throw new PodiumError('VALIDATION_FAILED', 'a forced runtime change needs a reason: it goes to the audit log');
  await writeIfCondition(
    ctx.db,
    new PutCommand({
      TableName: table,
      Item: {
        ...keys.rulesVersion(challenge.id, challenge.rulesVersion),
        kind: 'rules',
        version: challenge.rulesVersion,
        markdown: challenge.rulesMarkdown,
        at,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
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
      ...(existing
        ? {
            ConditionExpression: 'definitionHash = :read AND definitionHash <> :hash',
            ExpressionAttributeValues: { ':read': existing.definitionHash, ':hash': definitionHash },
          }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    }),
  );
  if (!changed) {
    const stored = await getChallengeRecord(ctx, challenge.id);
    if (stored?.definitionHash !== definitionHash) {
      throw new PodiumError('CONFLICT', `${challenge.id} was updated by someone else while this definition was being registered; run it again`);
    }
    return { changed: false, runtimeChanges: [] };
  }
  for (const change of forced) {
    await recordAudit(ctx, challenge.id, {
      actor: request.by,
      action: 'phase.runtime-change',
      target: change.phaseId,
      ...(reason ? { reason } : {}),
      details: { from: change.from, to: change.to, forced: true },
    });
  }
  return { changed: true, runtimeChanges: changes };
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
