import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { keys } from '../storage/table-design.ts';

/**
 * Organiser switches on a phase, one item per phase (`keys.phaseControl`): submissions paused, and
 * the private leaderboard published. Absent means running and unpublished.
 */
export interface PhaseControl {
  paused: boolean;
  pausedAt?: string;
  published: boolean;
  publishedAt?: string;
}

export async function getPhaseControl(ctx: PodiumContext, challengeId: string, phaseId: string): Promise<PhaseControl> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.phaseControl(challengeId, phaseId), ConsistentRead: true }));
  const item = result.Item ?? {};
  return {
    paused: item.paused === true,
    ...(item.pausedAt ? { pausedAt: item.pausedAt as string } : {}),
    published: item.published === true,
    ...(item.publishedAt ? { publishedAt: item.publishedAt as string } : {}),
  };
}

/** Sets one switch; a single idempotent update (setting it twice changes only the timestamp's owner: none). */
export async function setPhaseSwitch(
  ctx: PodiumContext,
  challengeId: string,
  phaseId: string,
  change: { paused: boolean } | { published: boolean },
  by: string,
): Promise<PhaseControl> {
  const at = ctx.now().toISOString();
  const [name, value] = Object.entries(change)[0] as ['paused' | 'published', boolean];
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.phaseControl(challengeId, phaseId),
        UpdateExpression: 'SET #switch = :value, #at = :at, #by = :by, kind = :kind',
        // Only when it actually changes, so the first time it was set stays recorded.
        ConditionExpression: 'attribute_not_exists(#switch) OR #switch <> :value',
        ExpressionAttributeNames: { '#switch': name, '#at': `${name}At`, '#by': `${name}By` },
        ExpressionAttributeValues: { ':value': value, ':at': at, ':by': by, ':kind': 'phase-control' },
      }),
    )
    .catch((error: Error) => {
      if (error.name !== 'ConditionalCheckFailedException') throw error;
    });
  return getPhaseControl(ctx, challengeId, phaseId);
}
