import type { DiscussionSettings } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { addMemberWithinLimit, removeMember } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';

/** The UTC minute and day a post falls in, and when each ends. */
function windowsAt(now: Date) {
  const iso = now.toISOString();
  const minuteEnds = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
  const dayEnds = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return { minute: { window: `MINUTE#${iso.slice(0, 16)}`, ends: minuteEnds }, day: { window: `DAY#${iso.slice(0, 10)}`, ends: dayEnds } };
}

export interface PostCharge {
  /** Gives the charge back: the post it paid for was not written. */
  refund(): Promise<void>;
}

/**
 * Charges one post (a topic, a reply or a report, named by its id) to the author's minute and day
 * windows: conditional set counters, so racing posts for the last slot let exactly one through and
 * a retried post is charged once. Over a limit: 429 QUOTA_EXCEEDED with `nextAllowedAt`, and
 * nothing charged (a minute charge is given back when the day is full).
 */
export async function chargePost(ctx: PodiumContext, challengeId: string, userId: string, postId: string, settings: DiscussionSettings): Promise<PostCharge> {
  const { minute, day } = windowsAt(ctx.now());
  const table = ctx.config.tableName;
  const minuteKey = keys.postRateWindow(challengeId, userId, minute.window);
  const dayKey = keys.postRateWindow(challengeId, userId, day.window);
  if (!(await addMemberWithinLimit(ctx.db, table, minuteKey, postId, settings.postsPerMinute))) {
    throw rateLimited(`${settings.postsPerMinute} posts a minute`, minute.ends);
  }
  if (!(await addMemberWithinLimit(ctx.db, table, dayKey, postId, settings.postsPerDay))) {
    await removeMember(ctx.db, table, minuteKey, postId);
    throw rateLimited(`${settings.postsPerDay} posts a day (UTC)`, day.ends);
  }
  return {
    async refund() {
      await removeMember(ctx.db, table, dayKey, postId);
      await removeMember(ctx.db, table, minuteKey, postId);
    },
  };
}

function rateLimited(limit: string, nextAllowedAt: Date): PodiumError {
  const next = nextAllowedAt.toISOString();
  return new PodiumError('QUOTA_EXCEEDED', `you may post ${limit} in this discussion; post again at ${next}`, { nextAllowedAt: next });
}
