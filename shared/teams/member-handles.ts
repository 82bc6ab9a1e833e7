import type { PodiumContext } from '../context.ts';
import { findParticipant } from '../participants/participant-record.ts';
import { publicHandle } from '../participants/public-handle.ts';
import type { TeamRecord } from './team-record.ts';

/** A team member as teammates see them: the account id and the public handle, never an e-mail. */
export interface TeamMemberHandle {
  userId: string;
  handle: string;
}

/** Each member's public handle, in the order of `teamView(team).members` (one read per member; teams are small). */
export async function memberHandles(ctx: PodiumContext, team: TeamRecord): Promise<TeamMemberHandle[]> {
  const userIds = [...(team.members ?? [])].sort();
  const participants = await Promise.all(userIds.map((userId) => findParticipant(ctx, team.challengeId, userId)));
  return userIds.map((userId, index) => ({ userId, handle: publicHandle(userId, participants[index]?.displayName) }));
}
