import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createIfAbsent } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { Principal } from './principal.ts';

export interface UserRecord {
  pk: string;
  sk: string;
  kind: 'user';
  userId: string;
  email: string;
  createdAt: string;
}

/**
 * Creates the caller's account on their first authenticated call; idempotent afterwards.
 * The email is claimed first, conditionally: one account per email, even if the identity provider
 * issues a second subject for it (a deleted and re-created Cognito user).
 */
export async function ensureUser(ctx: PodiumContext, principal: Principal): Promise<UserRecord> {
  // The common case (a returning user) costs one read.
  const existing = await getUser(ctx, principal.userId);
  if (existing && existing.email === principal.email) return existing;
  const at = ctx.now().toISOString();
  const claim = await createIfAbsent(ctx.db, ctx.config.tableName, { ...keys.userEmail(principal.email), kind: 'email-claim', userId: principal.userId, at });
  if (claim.item.userId !== principal.userId) {
    throw new PodiumError('CONFLICT', `another account already uses the email ${principal.email}`);
  }
  const user = await createIfAbsent<UserRecord>(ctx.db, ctx.config.tableName, {
    ...keys.user(principal.userId),
    kind: 'user',
    userId: principal.userId,
    email: principal.email,
    createdAt: at,
  });
  return user.item;
}

export async function getUser(ctx: PodiumContext, userId: string): Promise<UserRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.user(userId) }));
  return result.Item as UserRecord | undefined;
}

/** The account that claimed `email` (compared as tokens carry it: trimmed, lower-cased), if any. */
export async function findUserIdByEmail(ctx: PodiumContext, email: string): Promise<string | undefined> {
  const claim = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.userEmail(email.trim().toLowerCase()) }));
  return typeof claim.Item?.userId === 'string' ? claim.Item.userId : undefined;
}
