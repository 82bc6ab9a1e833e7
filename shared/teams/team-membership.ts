import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { findParticipant, type ParticipantRecord } from '../participants/participant-record.ts';
import { createIfAbsent, isConditionFailure, writeIfCondition } from '../storage/conditional-writes.ts';
import { BY_OWNER_INDEX, keys } from '../storage/table-design.ts';
import { teamSubmissionsPartition } from '../submissions/submission-record.ts';
import { findTeam, newInviteCode, newTeamId, soloTeamId, teamIdForInvite, type TeamRecord } from './team-record.ts';

/**
 * Team membership. The participant's `teamId` is the authority (one team per participant, set with
 * a conditional write); the team's member set carries the size limit. Each step is one conditional
 * write, ordered so that a crash between steps leaves at worst a member the team still lists but
 * who does not point at it, which `teamOf` repairs on read.
 */

const alreadyInTeam = (challengeId: string) =>
  new PodiumError('ALREADY_IN_TEAM', `you are already in a team of ${challengeId}; leave it first, or merge teams`);

async function insertTeam(ctx: PodiumContext, team: TeamRecord): Promise<TeamRecord> {
  const stored = await createIfAbsent(ctx.db, ctx.config.tableName, team);
  await createIfAbsent(ctx.db, ctx.config.tableName, {
    ...keys.teamInvite(team.challengeId, stored.item.inviteCode),
    kind: 'team-invite',
    teamId: stored.item.teamId,
  });
  return stored.item;
}

/** Points the participant at the team unless they already are in one; records their current display name for teammates. */
async function claimParticipant(ctx: PodiumContext, challengeId: string, principal: Principal, teamId: string): Promise<boolean> {
  const name = principal.displayName ? { ':name': principal.displayName } : undefined;
  return writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.participant(challengeId, principal.userId),
      UpdateExpression: `SET teamId = :team${name ? ', displayName = :name' : ''}`,
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(teamId) OR teamId = :team)',
      ExpressionAttributeValues: { ':team': teamId, ...name },
    }),
  );
}

async function releaseParticipant(ctx: PodiumContext, challengeId: string, userId: string, teamId: string): Promise<void> {
  await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.participant(challengeId, userId),
      UpdateExpression: 'REMOVE teamId',
      ConditionExpression: 'teamId = :team',
      ExpressionAttributeValues: { ':team': teamId },
    }),
  );
}

function newTeam(challenge: Challenge, principal: Principal, teamId: string, name: string, solo: boolean, at: string): TeamRecord {
  return {
    ...keys.team(challenge.id, teamId),
    kind: 'team',
    challengeId: challenge.id,
    teamId,
    name,
    members: new Set([principal.userId]),
    memberCount: 1,
    inviteCode: newInviteCode(),
    createdAt: at,
    createdBy: principal.userId,
    solo,
  };
}

export async function createTeam(
  ctx: PodiumContext,
  challenge: Challenge,
  participant: ParticipantRecord,
  principal: Principal,
  name: string,
): Promise<TeamRecord> {
  if (participant.teamId) throw alreadyInTeam(challenge.id);
  const team = await insertTeam(ctx, newTeam(challenge, principal, newTeamId(), name, false, ctx.now().toISOString()));
  if (!(await claimParticipant(ctx, challenge.id, principal, team.teamId))) {
    await ctx.db.send(new DeleteCommand({ TableName: ctx.config.tableName, Key: keys.team(challenge.id, team.teamId) }));
    throw alreadyInTeam(challenge.id);
  }
  return team;
}

/**
 * The caller's team, repairing a pointer left by an interrupted leave. With `createSolo`, a
 * participant without a team gets their automatic team of one (how solo participants submit).
 */
export async function teamOf(
  ctx: PodiumContext,
  challenge: Challenge,
  participant: ParticipantRecord,
  principal: Principal,
  options: { createSolo?: boolean } = {},
): Promise<TeamRecord | undefined> {
  if (participant.teamId) {
    const team = await findTeam(ctx, challenge.id, participant.teamId);
    if (team && team.members?.has(principal.userId) && !team.mergedInto) return team;
    if (team?.mergedInto) {
      const survivor = await findTeam(ctx, challenge.id, team.mergedInto);
      if (survivor?.members?.has(principal.userId)) return survivor;
    }
    await releaseParticipant(ctx, challenge.id, principal.userId, participant.teamId);
  }
  if (!options.createSolo) return undefined;
  const teamId = soloTeamId(principal.userId);
  const name = principal.displayName ?? `Team ${teamId.slice(5, 11)}`;
  const team = await insertTeam(ctx, newTeam(challenge, principal, teamId, name, true, ctx.now().toISOString()));
  if (!(await claimParticipant(ctx, challenge.id, principal, teamId))) {
    // Someone (another request of this user) put them in a team meanwhile: use that one.
    const current = await findParticipant(ctx, challenge.id, principal.userId);
    const other = current?.teamId ? await findTeam(ctx, challenge.id, current.teamId) : undefined;
    if (!other) throw alreadyInTeam(challenge.id);
    return other;
  }
  return team;
}

export async function joinTeam(
  ctx: PodiumContext,
  challenge: Challenge,
  participant: ParticipantRecord,
  principal: Principal,
  inviteCode: string,
): Promise<TeamRecord> {
  const teamId = await teamIdForInvite(ctx, challenge.id, inviteCode);
  if (!teamId) throw notFound(`invite code "${inviteCode}"`);
  if (participant.teamId === teamId) return (await findTeam(ctx, challenge.id, teamId))!;
  if (participant.teamId) throw alreadyInTeam(challenge.id);
  if (!(await claimParticipant(ctx, challenge.id, principal, teamId))) throw alreadyInTeam(challenge.id);
  try {
    const updated = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.team(challenge.id, teamId),
        UpdateExpression: 'ADD members :user, memberCount :one',
        ConditionExpression:
          'attribute_exists(pk) AND memberCount < :max AND NOT contains(members, :userId) AND attribute_not_exists(mergedInto) AND ' +
          'attribute_not_exists(mergingInto) AND (attribute_not_exists(disqualified) OR disqualified = :false)',
        ExpressionAttributeValues: {
          ':user': new Set([principal.userId]),
          ':userId': principal.userId,
          ':one': 1,
          ':max': challenge.teams.maxSize,
          ':false': false,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return updated.Attributes as TeamRecord;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const team = await findTeam(ctx, challenge.id, teamId);
    if (team?.members?.has(principal.userId)) return team;
    await releaseParticipant(ctx, challenge.id, principal.userId, teamId);
    if (!team || team.mergedInto || team.mergingInto || team.disqualified) throw notFound(`invite code "${inviteCode}"`);
    throw new PodiumError('TEAM_FULL', `team "${team.name}" already has the maximum of ${challenge.teams.maxSize} members`);
  }
}

/** Whether the team has made any submission in this challenge (its quota history is then shared). */
export async function teamHasSubmissions(ctx: PodiumContext, challengeId: string, teamId: string): Promise<boolean> {
  const page = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tableName,
      IndexName: BY_OWNER_INDEX.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': BY_OWNER_INDEX.partition },
      ExpressionAttributeValues: { ':pk': teamSubmissionsPartition(challengeId, teamId) },
      Limit: 1,
    }),
  );
  return (page.Items?.length ?? 0) > 0;
}

/**
 * Leaves the caller's team. A team that has submitted cannot be left: the leaver would start a new
 * team with a fresh quota while keeping what they learned from the old one's.
 */
export async function leaveTeam(ctx: PodiumContext, challenge: Challenge, participant: ParticipantRecord, principal: Principal): Promise<{ left: string }> {
  const team = await teamOf(ctx, challenge, participant, principal);
  if (!team) throw notFound(`your team in ${challenge.id}`);
  if (await teamHasSubmissions(ctx, challenge.id, team.teamId)) {
    throw new PodiumError('INVALID_STATE', `team "${team.name}" has submitted in ${challenge.id}; its members can no longer leave it`);
  }
  await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.team(challenge.id, team.teamId),
      UpdateExpression: 'DELETE members :user ADD memberCount :minusOne',
      ConditionExpression: 'contains(members, :userId)',
      ExpressionAttributeValues: { ':user': new Set([principal.userId]), ':userId': principal.userId, ':minusOne': -1 },
    }),
  );
  await releaseParticipant(ctx, challenge.id, principal.userId, team.teamId);
  return { left: team.teamId };
}
