import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { requireActiveParticipant } from '../participants/registration.ts';
import { keys } from '../storage/table-design.ts';
import type { AuthorRole } from './discussion-records.ts';

export interface MuteRecord {
  pk: string;
  sk: string;
  kind: 'discussion-mute';
  challengeId: string;
  userId: string;
  until: string;
  by: string;
  reason: string;
  at: string;
}

export async function findMute(ctx: PodiumContext, challengeId: string, userId: string): Promise<MuteRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.discussionMute(challengeId, userId), ConsistentRead: true }));
  return result.Item as MuteRecord | undefined;
}

/**
 * Who may post: organisers, and registered participants (approved, on the current rules) who are
 * not muted. Reading needs none of this: the discussion is as public as the challenge.
 */
export async function requirePoster(ctx: PodiumContext, challenge: Challenge, principal: Principal): Promise<AuthorRole> {
  if (principal.organiser && !principal.organiserWithoutMfa) return 'organiser';
  await requireActiveParticipant(ctx, challenge, principal);
  const mute = await findMute(ctx, challenge.id, principal.userId);
  if (mute && Date.parse(mute.until) > ctx.now().getTime()) {
    throw new PodiumError('FORBIDDEN', `an organiser muted you in the ${challenge.id} discussion until ${mute.until}: ${mute.reason}`, {
      mutedUntil: mute.until,
    });
  }
  return 'participant';
}
