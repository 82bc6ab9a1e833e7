import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { getUser } from '../identity/users.ts';
import { listParticipants, type ParticipantRecord } from '../participants/participant-record.ts';
import { teamSubmissionsPartition } from '../submissions/submission-record.ts';
import { BY_OWNER_INDEX } from '../storage/table-design.ts';
import { findTeam, soloTeamId } from '../teams/team-record.ts';
import type { Recipient } from './notification-event.ts';

/** Who an announcement goes to. */
export type Audience = { kind: 'all' } | { kind: 'approved' } | { kind: 'teams-with-submission' } | { kind: 'team'; teamId: string };

export const describeAudience = (audience: Audience) => (audience.kind === 'team' ? `team ${audience.teamId}` : audience.kind);

const recipientOf = (participant: ParticipantRecord): Recipient => ({ userId: participant.userId, email: participant.email });

async function teamHasSubmission(ctx: PodiumContext, challengeId: string, teamId: string): Promise<boolean> {
  const result = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tableName,
      IndexName: BY_OWNER_INDEX.name,
      KeyConditionExpression: `${BY_OWNER_INDEX.partition} = :pk`,
      ExpressionAttributeValues: { ':pk': teamSubmissionsPartition(challengeId, teamId) },
      Limit: 1,
    }),
  );
  return (result.Items ?? []).length > 0;
}

/** The participants an audience names, from the challenge's participant records (one query). */
export async function resolveAudience(ctx: PodiumContext, challengeId: string, audience: Audience): Promise<Recipient[]> {
  if (audience.kind === 'all') return (await listParticipants(ctx, challengeId)).map(recipientOf);
  if (audience.kind === 'approved') return (await listParticipants(ctx, challengeId, 'approved')).map(recipientOf);
  const participants = await listParticipants(ctx, challengeId);
  if (audience.kind === 'team') {
    const team = await findTeam(ctx, challengeId, audience.teamId);
    if (!team) throw new PodiumError('NOT_FOUND', `team "${audience.teamId}" of ${challengeId} was not found`);
    return participants.filter((participant) => team.members.has(participant.userId)).map(recipientOf);
  }
  const withSubmission = new Map<string, boolean>();
  const recipients: Recipient[] = [];
  for (const participant of participants) {
    const teamId = participant.teamId ?? soloTeamId(participant.userId);
    if (!withSubmission.has(teamId)) withSubmission.set(teamId, await teamHasSubmission(ctx, challengeId, teamId));
    if (withSubmission.get(teamId)) recipients.push(recipientOf(participant));
  }
  return recipients;
}

/** The members of a team (or the one submitter of a solo team), with their e-mail addresses. */
export async function teamRecipients(ctx: PodiumContext, challengeId: string, teamId: string, fallbackUserId: string): Promise<Recipient[]> {
  const team = await findTeam(ctx, challengeId, teamId);
  const userIds = team?.members?.size ? [...team.members] : [fallbackUserId];
  const recipients: Recipient[] = [];
  for (const userId of userIds) {
    const user = await getUser(ctx, userId);
    if (user) recipients.push({ userId, email: user.email });
  }
  return recipients;
}
