import { createHash } from 'node:crypto';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { createIfAbsent, writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';

/**
 * `Idempotency-Key` for submission creation, scoped to the team. The first request with a key
 * claims it for a new submission id (one conditional put); a retry with the same body gets the
 * same id, a different body 409 IDEMPOTENCY_CONFLICT. A claim whose request failed is released,
 * so the same key may be retried once the cause (a full quota) is gone.
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,128}$/;
/** A claim older than this whose submission never appeared was abandoned by a crashed request. */
const CLAIM_LEASE_MS = 30_000;
const RETENTION_SECONDS = 7 * 24 * 3600;

export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

export type IdempotencyClaim = { outcome: 'new'; submissionId: string } | { outcome: 'replay'; submissionId: string };

export async function claimIdempotencyKey(
  ctx: PodiumContext,
  teamId: string,
  key: string,
  fingerprint: string,
  proposedSubmissionId: string,
  submissionExists: (submissionId: string) => Promise<boolean>,
): Promise<IdempotencyClaim> {
  const now = ctx.now();
  const stored = await createIfAbsent(ctx.db, ctx.config.tableName, {
    ...keys.idempotencyKey(teamId, key),
    kind: 'idempotency',
    fingerprint,
    submissionId: proposedSubmissionId,
    claimedAt: now.toISOString(),
    expiresAtEpoch: Math.floor(now.getTime() / 1000) + RETENTION_SECONDS,
  });
  if (stored.created) return { outcome: 'new', submissionId: proposedSubmissionId };
  if (stored.item.fingerprint !== fingerprint) {
    throw new PodiumError('IDEMPOTENCY_CONFLICT', `Idempotency-Key "${key}" was already used with a different request body`);
  }
  const submissionId = stored.item.submissionId as string;
  if (await submissionExists(submissionId)) return { outcome: 'replay', submissionId };
  // The first request is still running, or died before creating its submission.
  if (now.getTime() - Date.parse(stored.item.claimedAt as string) < CLAIM_LEASE_MS) {
    throw new PodiumError('CONFLICT', `a request with Idempotency-Key "${key}" is still in progress; retry in a few seconds`);
  }
  const applied = await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.idempotencyKey(teamId, key),
      UpdateExpression: 'SET claimedAt = :now',
      ConditionExpression: 'claimedAt = :was',
      ExpressionAttributeValues: { ':now': now.toISOString(), ':was': stored.item.claimedAt },
    }),
  );
  if (!applied) throw new PodiumError('CONFLICT', `a request with Idempotency-Key "${key}" is still in progress; retry in a few seconds`);
  return { outcome: 'new', submissionId };
}

/** Frees the key after its request failed without creating a submission. */
export async function releaseIdempotencyKey(ctx: PodiumContext, teamId: string, key: string, submissionId: string): Promise<void> {
  await writeIfCondition(
    ctx.db,
    new DeleteCommand({
      TableName: ctx.config.tableName,
      Key: keys.idempotencyKey(teamId, key),
      ConditionExpression: 'submissionId = :id',
      ExpressionAttributeValues: { ':id': submissionId },
    }),
  );
}
