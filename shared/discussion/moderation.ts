import { PutCommand, QueryCommand, UpdateCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit-log.ts';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { findParticipant } from '../participants/participant-record.ts';
import { requireActiveParticipant } from '../participants/registration.ts';
import { isConditionFailure, writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { listingSortKey, postKey, type TopicRecord } from './discussion-records.ts';
import { chargePost } from './post-rate-limit.ts';
import { decodeCursor, encodeCursor, findPost, findTopic } from './topics.ts';

/**
 * Organisers' moderation: pin, lock, hide or restore, mark the answer, mute. Each is one
 * conditional update, recorded in the challenge's audit log after it applied; repeating one that
 * already holds changes nothing and records nothing.
 */

async function requireExistingTopic(ctx: PodiumContext, challengeId: string, topicId: string): Promise<TopicRecord> {
  const topic = await findTopic(ctx, challengeId, topicId);
  if (!topic) throw notFound(`topic "${topicId}" of ${challengeId}`);
  return topic;
}

/** Pins or locks a topic. Pinning rewrites both listing keys, conditional on the activity time read, so a reply racing it is not undone. */
export async function setTopicState(
  ctx: PodiumContext,
  challengeId: string,
  organiser: Principal,
  topicId: string,
  change: { pinned?: boolean; locked?: boolean },
  reason?: string,
): Promise<TopicRecord> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const topic = await requireExistingTopic(ctx, challengeId, topicId);
    const pinned = change.pinned ?? topic.pinned;
    const locked = change.locked ?? topic.locked;
    if (pinned === topic.pinned && locked === topic.locked) return topic;
    try {
      const updated = await ctx.db.send(
        new UpdateCommand({
          TableName: ctx.config.tableName,
          Key: keys.topic(challengeId, topicId),
          UpdateExpression: 'SET pinned = :pinned, locked = :locked, gsi1sk = :newest, gsi2sk = :activity',
          ConditionExpression: 'attribute_exists(pk) AND lastActivityAt = :seen',
          ExpressionAttributeValues: {
            ':pinned': pinned,
            ':locked': locked,
            ':newest': listingSortKey(pinned, topic.createdAt, topicId),
            ':activity': listingSortKey(pinned, topic.lastActivityAt, topicId),
            ':seen': topic.lastActivityAt,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const actions = [
        ...(pinned !== topic.pinned ? [pinned ? 'discussion.pin' : 'discussion.unpin'] : []),
        ...(locked !== topic.locked ? [locked ? 'discussion.lock' : 'discussion.unlock'] : []),
      ];
      for (const action of actions) {
        await recordAudit(ctx, challengeId, { actor: organiser.userId, action, target: `topic:${topicId}`, ...(reason ? { reason } : {}) });
      }
      return updated.Attributes as TopicRecord;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new PodiumError('CONFLICT', `topic "${topicId}" is busy; try again`);
}

/** Hides a post (its text is then shown to organisers only) or restores it. */
export async function setPostHidden(
  ctx: PodiumContext,
  challengeId: string,
  organiser: Principal,
  topicId: string,
  postId: string,
  hidden: boolean,
  reason: string,
) {
  const key = postKey(challengeId, topicId, postId);
  const at = ctx.now().toISOString();
  const applied = await writeIfCondition(
    ctx.db,
    new UpdateCommand(
      hidden
        ? {
            TableName: ctx.config.tableName,
            Key: key,
            UpdateExpression: 'SET hiddenAt = :at, hiddenBy = :by, hiddenReason = :reason',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(hiddenAt)',
            ExpressionAttributeValues: { ':at': at, ':by': organiser.userId, ':reason': reason },
          }
        : {
            TableName: ctx.config.tableName,
            Key: key,
            UpdateExpression: 'REMOVE hiddenAt, hiddenBy, hiddenReason',
            ConditionExpression: 'attribute_exists(pk) AND attribute_exists(hiddenAt)',
          },
    ),
  );
  const post = await findPost(ctx, challengeId, topicId, postId);
  if (!post) throw notFound(`post "${postId}" in topic "${topicId}" of ${challengeId}`);
  if (applied) {
    await recordAudit(ctx, challengeId, {
      actor: organiser.userId,
      action: hidden ? 'discussion.hide' : 'discussion.restore',
      target: `post:${topicId}/${postId}`,
      reason,
      details: { author: post.authorId },
    });
  }
  return post;
}

/** Marks a reply as the topic's answer (or clears it with `replyId` undefined). */
export async function markAnswer(
  ctx: PodiumContext,
  challengeId: string,
  organiser: Principal,
  topicId: string,
  replyId: string | undefined,
): Promise<TopicRecord> {
  await requireExistingTopic(ctx, challengeId, topicId);
  if (replyId) {
    const reply = await findPost(ctx, challengeId, topicId, replyId);
    if (!reply || replyId === topicId) throw notFound(`reply "${replyId}" in topic "${topicId}"`);
  }
  const updated = await ctx.db.send(
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.topic(challengeId, topicId),
      UpdateExpression: replyId ? 'SET answerPostId = :reply' : 'REMOVE answerPostId',
      ConditionExpression: 'attribute_exists(pk)',
      ...(replyId ? { ExpressionAttributeValues: { ':reply': replyId } } : {}),
      ReturnValues: 'ALL_NEW',
    }),
  );
  await recordAudit(ctx, challengeId, {
    actor: organiser.userId,
    action: replyId ? 'discussion.answer' : 'discussion.unanswer',
    target: `topic:${topicId}`,
    ...(replyId ? { details: { replyId } } : {}),
  });
  return updated.Attributes as TopicRecord;
}

/** Mutes a participant in the challenge's discussion until `until` (a later mute replaces it); `until` in the past lifts it. */
export async function muteParticipant(ctx: PodiumContext, challengeId: string, organiser: Principal, userId: string, until: string, reason: string) {
  if (!(await findParticipant(ctx, challengeId, userId))) throw notFound(`participant "${userId}" of ${challengeId}`);
  const at = ctx.now().toISOString();
  const lifting = Date.parse(until) <= ctx.now().getTime();
  if (lifting) {
    await ctx.db.send(new DeleteCommand({ TableName: ctx.config.tableName, Key: keys.discussionMute(challengeId, userId) }));
  } else {
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.config.tableName,
        Item: { ...keys.discussionMute(challengeId, userId), kind: 'discussion-mute', challengeId, userId, until, by: organiser.userId, reason, at },
      }),
    );
  }
  await recordAudit(ctx, challengeId, {
    actor: organiser.userId,
    action: lifting ? 'discussion.unmute' : 'discussion.mute',
    target: `user:${userId}`,
    reason,
    details: { until },
  });
  return { userId, mutedUntil: lifting ? null : until };
}

export interface PostReport {
  id: string;
  at: string;
  topicId: string;
  postId: string;
  reporterId: string;
  reason: string;
}

/** A registered participant reports a post; it queues for organisers. Reports count against the posting limits, so a flood meets the same 429. */
export async function reportPost(
  ctx: PodiumContext,
  challenge: Challenge,
  principal: Principal,
  topicId: string,
  postId: string,
  reason: string,
): Promise<PostReport> {
  if (!principal.organiser) await requireActiveParticipant(ctx, challenge, principal);
  const topic = await findTopic(ctx, challenge.id, topicId);
  const post = topic && (await findPost(ctx, challenge.id, topicId, postId));
  if (!topic || !post || topic.hiddenAt) throw notFound(`post "${postId}" in topic "${topicId}" of ${challenge.id}`);
  const id = randomUUID();
  const charge = await chargePost(ctx, challenge.id, principal.userId, `report-${id}`, challenge.discussion);
  const at = ctx.now().toISOString();
  const report: PostReport = { id, at, topicId, postId, reporterId: principal.userId, reason };
  try {
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.config.tableName,
        Item: { ...keys.postReport(challenge.id, at, id), kind: 'post-report', challengeId: challenge.id, ...report },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    await charge.refund();
    throw error;
  }
  return report;
}

/** The report queue, newest first, a page at a time. */
export async function listReports(ctx: PodiumContext, challengeId: string, page: { limit: number; cursor?: string }) {
  const startKey = decodeCursor(page.cursor);
  const result = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.postReport(challengeId, '', '').pk },
      ScanIndexForward: false,
      Limit: page.limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  const reports = (result.Items ?? []).map(
    ({ id, at, topicId, postId, reporterId, reason }) => ({ id, at, topicId, postId, reporterId, reason }) as PostReport,
  );
  return { reports, nextCursor: encodeCursor(result.LastEvaluatedKey) };
}
