import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { addMemberWithinLimit, membersOf, removeMember } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';

/**
 * A team's final selection in one phase (`keys.finalSelection`): the set `members` of the
 * submission ids it chose to count on the private board. Changed like the quota counters, by a
 * conditional ADD bounded by the set's size and an idempotent DELETE, so two racing selections
 * for the last slot admit exactly one and a retried request changes nothing.
 */

export async function readFinalSelection(ctx: PodiumContext, challengeId: string, phaseId: string, teamId: string): Promise<Set<string>> {
  const result = await ctx.db.send(
    new GetCommand({ TableName: ctx.config.tableName, Key: keys.finalSelection(challengeId, phaseId, teamId), ConsistentRead: true }),
  );
  return membersOf(result.Item);
}

/** Adds the submission unless `limit` others are selected already; false, changing nothing, when full. */
export function addToFinalSelection(
  ctx: PodiumContext,
  challengeId: string,
  phaseId: string,
  teamId: string,
  submissionId: string,
  limit: number,
): Promise<boolean> {
  return addMemberWithinLimit(ctx.db, ctx.config.tableName, keys.finalSelection(challengeId, phaseId, teamId), submissionId, limit, {
    kind: 'final-selection',
    challengeId,
    phaseId,
    teamId,
    updatedAt: ctx.now().toISOString(),
  });
}

export function removeFromFinalSelection(ctx: PodiumContext, challengeId: string, phaseId: string, teamId: string, submissionId: string): Promise<void> {
  return removeMember(ctx.db, ctx.config.tableName, keys.finalSelection(challengeId, phaseId, teamId), submissionId);
}
