import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { rebuildLeaderboard } from '../leaderboard/rebuild-leaderboard.ts';
import type { ParticipantRecord } from '../participants/participant-record.ts';
import { isConditionFailure, membersOf } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { listTeamSubmissions } from '../submissions/list-submissions.ts';
import { COUNTER, counterValue, utcDay } from '../submissions/quota.ts';
import { teamSubmissionsPartition } from '../submissions/submission-record.ts';
import { teamOf } from './team-membership.ts';
import { findTeam, teamIdForInvite, type TeamRecord } from './team-record.ts';

const refuse = (message: string) => new PodiumError('TEAM_MERGE_NOT_ALLOWED', message);

const counter = (ctx: PodiumContext, challengeId: string, phaseId: string, teamId: string, window: string): Promise<number> =>
  counterValue(ctx, keys.quotaCounter(challengeId, phaseId, teamId, window));

/** Kaggle's rule: the merged team's submissions must fit the quota it would have had alone. */
async function assertQuotasFit(ctx: PodiumContext, challenge: Challenge, absorbed: TeamRecord, survivor: TeamRecord): Promise<void> {
  const today = COUNTER.day(utcDay(ctx.now()));
  for (const phase of challenge.phases) {
    const [running, smokeRunning, totalA, totalB, dayA, dayB] = await Promise.all([
      counter(ctx, challenge.id, phase.id, absorbed.teamId, COUNTER.running),
      counter(ctx, challenge.id, phase.id, absorbed.teamId, COUNTER.smokeRunning),
      counter(ctx, challenge.id, phase.id, absorbed.teamId, COUNTER.total),
      counter(ctx, challenge.id, phase.id, survivor.teamId, COUNTER.total),
      counter(ctx, challenge.id, phase.id, absorbed.teamId, today),
      counter(ctx, challenge.id, phase.id, survivor.teamId, today),
    ]);
    if (running + smokeRunning > 0) throw refuse(`team "${absorbed.name}" has runs in flight in phase ${phase.id}; merge once they finish`);
    if (phase.quota.total !== undefined && totalA + totalB > phase.quota.total) {
      throw refuse(`together the teams made ${totalA + totalB} submissions in phase ${phase.id}, more than its quota of ${phase.quota.total}`);
    }
    if (phase.quota.perDay !== undefined && dayA + dayB > phase.quota.perDay) {
      throw refuse(`together the teams made ${dayA + dayB} submissions today in phase ${phase.id}, more than its daily quota of ${phase.quota.perDay}`);
    }
  }
}

/**
 * Merges the caller's team into the team whose invite code they hold. Each step is one
 * conditional write guarded so that repeating it changes nothing (`mergedFrom` sets on the
 * survivor and its counters), so an interrupted merge is finished by calling merge again.
 */
export async function mergeTeams(
  ctx: PodiumContext,
  challenge: Challenge,
  participant: ParticipantRecord,
  principal: Principal,
  inviteCode: string,
): Promise<TeamRecord> {
  const table = ctx.config.tableName;
  const deadline = challenge.teams.mergeDeadline;
  if (deadline && ctx.now().getTime() >= Date.parse(deadline)) throw refuse(`the merge deadline of ${challenge.id} passed at ${deadline}`);
  const survivorId = await teamIdForInvite(ctx, challenge.id, inviteCode);
  const survivor = survivorId ? await findTeam(ctx, challenge.id, survivorId) : undefined;
  if (!survivor || survivor.mergedInto || survivor.disqualified) throw notFound(`invite code "${inviteCode}"`);
  const absorbed = await teamOf(ctx, challenge, participant, principal);
  if (!absorbed) throw refuse('you are not in a team; join the team with its invite code instead');
  if (absorbed.teamId === survivor.teamId) throw refuse('both invite codes name your own team');
  if (absorbed.disqualified) throw refuse(`team "${absorbed.name}" is disqualified`);
  const members = [...(absorbed.members ?? [])];
  if (absorbed.memberCount + survivor.memberCount > challenge.teams.maxSize) {
    throw refuse(`the merged team would have ${absorbed.memberCount + survivor.memberCount} members, more than the maximum of ${challenge.teams.maxSize}`);
  }
  await assertQuotasFit(ctx, challenge, absorbed, survivor);

  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.team(challenge.id, absorbed.teamId),
        UpdateExpression: 'SET mergingInto = :survivor',
        ConditionExpression: 'attribute_not_exists(mergedInto) AND (attribute_not_exists(mergingInto) OR mergingInto = :survivor)',
        ExpressionAttributeValues: { ':survivor': survivor.teamId },
      }),
    );
    await ctx.db
      .send(
        new UpdateCommand({
          TableName: table,
          Key: keys.team(challenge.id, survivor.teamId),
          UpdateExpression: 'ADD members :members, memberCount :count, mergedFrom :absorbedSet',
          ConditionExpression: '(attribute_not_exists(mergedFrom) OR NOT contains(mergedFrom, :absorbed)) AND memberCount <= :room',
          ExpressionAttributeValues: {
            ':members': new Set(members),
            ':count': members.length,
            ':absorbedSet': new Set([absorbed.teamId]),
            ':absorbed': absorbed.teamId,
            ':room': challenge.teams.maxSize - members.length,
          },
        }),
      )
      .catch(async (error: unknown) => {
        if (!isConditionFailure(error)) throw error;
        const current = await findTeam(ctx, challenge.id, survivor.teamId);
        if (!current?.mergedFrom?.has(absorbed.teamId)) throw refuse(`team "${survivor.name}" no longer has room for ${members.length} more members`);
      });
  } catch (error) {
    if (isConditionFailure(error)) throw refuse(`team "${absorbed.name}" is already being merged into another team`);
    throw error;
  }

  // The absorbed team's charges move to the survivor: adding submission ids to a set is idempotent.
  for (const phase of challenge.phases) {
    const counters = await ctx.db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.quotaCounter(challenge.id, phase.id, absorbed.teamId, '').pk },
        ConsistentRead: true,
      }),
    );
    for (const item of counters.Items ?? []) {
      const window = item.sk as string;
      if (window !== COUNTER.total && !window.startsWith('DAY#')) continue;
      const charged = membersOf(item);
      if (charged.size === 0) continue;
      await ctx.db.send(
        new UpdateCommand({
          TableName: table,
          Key: keys.quotaCounter(challenge.id, phase.id, survivor.teamId, window),
          UpdateExpression: 'ADD #members :charged',
          ExpressionAttributeNames: { '#members': 'members' },
          ExpressionAttributeValues: { ':charged': charged },
        }),
      );
    }
  }
  // Members and submissions follow; each write only applies while they still point at the absorbed team.
  for (const userId of members) {
    await ctx.db
      .send(
        new UpdateCommand({
          TableName: table,
          Key: keys.participant(challenge.id, userId),
          UpdateExpression: 'SET teamId = :survivor',
          ConditionExpression: 'teamId = :absorbed',
          ExpressionAttributeValues: { ':survivor': survivor.teamId, ':absorbed': absorbed.teamId },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }
  for (const submission of await listTeamSubmissions(ctx, challenge.id, absorbed.teamId)) {
    await ctx.db
      .send(
        new UpdateCommand({
          TableName: table,
          Key: keys.submission(submission.id),
          UpdateExpression: 'SET teamId = :survivor, gsi1pk = :partition, mergedFromTeam = :absorbed',
          ConditionExpression: 'teamId = :absorbed',
          ExpressionAttributeValues: {
            ':survivor': survivor.teamId,
            ':partition': teamSubmissionsPartition(challenge.id, survivor.teamId),
            ':absorbed': absorbed.teamId,
          },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }
  await ctx.db.send(
    new UpdateCommand({
      TableName: table,
      Key: keys.team(challenge.id, absorbed.teamId),
      UpdateExpression: 'SET mergedInto = :survivor, memberCount = :zero REMOVE mergingInto',
      ExpressionAttributeValues: { ':survivor': survivor.teamId, ':zero': 0 },
    }),
  );
  // The absorbed team's scored submissions now belong to the survivor: one entry per team again.
  for (const phase of challenge.phases) await rebuildLeaderboard(ctx, challenge, phase.id);
  return (await findTeam(ctx, challenge.id, survivor.teamId))!;
}
