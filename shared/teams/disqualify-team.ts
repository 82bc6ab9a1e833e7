import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { isConditionFailure } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { TeamRecord } from './team-record.ts';

/**
 * Disqualifies a team (hidden from every leaderboard of the challenge, no new submissions) or
 * reinstates it. Reversible; each change is audited with the organiser and the reason.
 */
export async function setTeamDisqualified(
  ctx: PodiumContext,
  challengeId: string,
  teamId: string,
  disqualified: boolean,
  organiser: Principal,
  reason: string,
): Promise<TeamRecord> {
  const at = ctx.now().toISOString();
  let team: TeamRecord;
  try {
    const result = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.team(challengeId, teamId),
        UpdateExpression: disqualified
          ? 'SET disqualified = :true, disqualifiedReason = :reason, disqualifiedAt = :at, disqualifiedBy = :by'
          : 'SET disqualified = :false, reinstatedAt = :at, reinstatedBy = :by REMOVE disqualifiedReason',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: disqualified
          ? { ':true': true, ':reason': reason, ':at': at, ':by': organiser.userId }
          : { ':false': false, ':at': at, ':by': organiser.userId },
        ReturnValues: 'ALL_NEW',
      }),
    );
    team = result.Attributes as TeamRecord;
  } catch (error) {
    if (isConditionFailure(error)) throw notFound(`team "${teamId}" of ${challengeId}`);
    throw error;
  }
  await recordAudit(ctx, challengeId, { actor: organiser.userId, action: disqualified ? 'team.disqualify' : 'team.reinstate', target: teamId, reason });
  return team;
}
