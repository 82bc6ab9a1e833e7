import { createHash, randomBytes } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, invalidCursor } from '../storage/page-cursor.ts';
import type { PodiumContext } from '../context.ts';
import { queryAll } from '../storage/query-all.ts';
import { keys } from '../storage/table-design.ts';

/**
 * A team in one challenge. `members` is a string set so joins and leaves are single conditional
 * ADD/DELETE writes; `memberCount` carries the size condition.
 */
export interface TeamRecord {
  pk: string;
  sk: string;
  kind: 'team';
  challengeId: string;
  teamId: string;
  name: string;
  members: Set<string>;
  memberCount: number;
  inviteCode: string;
  createdAt: string;
  createdBy: string;
  /** A solo participant's automatic team of one. */
  solo: boolean;
  /** Hidden from the leaderboard while set; read by the leaderboard. */
  disqualified?: boolean;
  disqualifiedReason?: string;
  /** Set once this team was merged into another: its members and counters moved there. */
  mergedInto?: string;
  mergingInto?: string;
  /** Teams merged into this one (guards each counter transfer against replays). */
  mergedFrom?: Set<string>;
}

const INVITE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Ten characters from an unambiguous alphabet: ~50 bits, not guessable by enumeration. */
export function newInviteCode(): string {
  return [...randomBytes(10)].map((byte) => INVITE_ALPHABET[byte % INVITE_ALPHABET.length]).join('');
}

export const newTeamId = () => `t-${randomBytes(8).toString('hex')}`;

/** A solo team's id is derived from its member, so creating it twice makes one team. */
export const soloTeamId = (userId: string) => `solo-${createHash('sha256').update(userId).digest('hex').slice(0, 16)}`;

export async function findTeam(ctx: PodiumContext, challengeId: string, teamId: string): Promise<TeamRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.team(challengeId, teamId), ConsistentRead: true }));
  return result.Item as TeamRecord | undefined;
}

export async function teamIdForInvite(ctx: PodiumContext, challengeId: string, inviteCode: string): Promise<string | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.teamInvite(challengeId, inviteCode.trim().toUpperCase()) }));
  return result.Item?.teamId as string | undefined;
}

export async function listTeams(ctx: PodiumContext, challengeId: string): Promise<TeamRecord[]> {
  const prefix = keys.team(challengeId, '');
  return queryAll<TeamRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.sk },
  });
}

/**
 * One page of a challenge's teams (merged-away teams left out), in id order, for organisers, with
 * the opaque cursor of the next page. A cursor this API did not return is VALIDATION_FAILED naming `query.cursor`.
 */
export async function listTeamsPage(ctx: PodiumContext, challengeId: string, page: { limit: number; cursor?: string }) {
  const prefix = keys.team(challengeId, '');
  const startKey = decodeCursor(page.cursor);
  if (startKey && (startKey.pk !== prefix.pk || !String(startKey.sk).startsWith(prefix.sk))) throw invalidCursor();
  const result = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: 'attribute_not_exists(mergedInto)',
      ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.sk },
      Limit: page.limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  return { teams: (result.Items ?? []) as TeamRecord[], nextCursor: encodeCursor(result.LastEvaluatedKey) };
}

/** What members see of their team. */
export function teamView(team: TeamRecord) {
  return {
    teamId: team.teamId,
    name: team.name,
    members: [...(team.members ?? [])].sort(),
    inviteCode: team.inviteCode,
    createdAt: team.createdAt,
    solo: team.solo,
    disqualified: team.disqualified === true,
  };
}
