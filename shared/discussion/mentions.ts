import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { getUser } from '../identity/users.ts';
import { eventId, type Recipient } from '../notifications/notification-event.ts';
import { publishNotification } from '../notifications/publish-notification.ts';
import { findParticipant } from '../participants/participant-record.ts';
import { createIfAbsent, writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { findMute } from './discussion-access.ts';
import type { PostRecord, TopicRecord } from './discussion-records.ts';
import { excerpt } from './post-text.ts';

/** A post notifies at most this many people it mentions; further `@handles` are left as text (a post is no mailing list). */
export const MAX_MENTIONS_PER_POST = 10;

interface HandleRecord {
  pk: string;
  sk: string;
  kind: 'discussion-handle';
  userId: string;
  role: PostRecord['authorRole'];
}

/** The handle a name answers to: lower case, letters, digits, `_`, `.` and `-` only ("Ada Lovelace" → `adalovelace`). */
export function handleOf(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_.-]+/gu, '')
    .slice(0, 40);
}

/** The distinct handles a post's markdown mentions, outside code, in order, at most MAX_MENTIONS_PER_POST. */
export function mentionedHandles(markdown: string): string[] {
  const prose = markdown.replace(/^\s{0,3}(`{3,}|~{3,})[\s\S]*?^\s{0,3}\1/gm, ' ').replace(/`+[^`]*`+/g, ' ');
  const handles = new Set<string>();
  for (const match of prose.matchAll(/(?<![\p{L}\p{N}_.@/-])@([\p{L}\p{N}_.-]{2,40})/gu)) {
    const handle = handleOf(match[1]!.replace(/[.-]+$/, ''));
    if (handle.length >= 2) handles.add(handle);
    if (handles.size === MAX_MENTIONS_PER_POST) break;
  }
  return [...handles];
}

/** Claims the author's handle in the challenge the first time they post; a handle already taken stays its first owner's. */
export async function claimHandle(ctx: PodiumContext, post: PostRecord): Promise<void> {
  const handle = handleOf(post.authorName);
  if (handle.length < 2 || post.erasedAt) return;
  await createIfAbsent<HandleRecord>(ctx.db, ctx.config.tableName, {
    ...keys.discussionHandle(post.challengeId, handle),
    kind: 'discussion-handle',
    userId: post.authorId,
    role: post.authorRole,
  });
}

/** Erasure: the handle goes with the name (only if it is still this person's). */
export async function releaseHandle(ctx: PodiumContext, challengeId: string, name: string, userId: string): Promise<void> {
  const handle = handleOf(name);
  if (handle.length < 2) return;
  await writeIfCondition(
    ctx.db,
    new DeleteCommand({
      TableName: ctx.config.tableName,
      Key: keys.discussionHandle(challengeId, handle),
      ConditionExpression: 'userId = :me',
      ExpressionAttributeValues: { ':me': userId },
    }),
  );
}

async function mentionedRecipients(ctx: PodiumContext, challengeId: string, post: PostRecord): Promise<Recipient[]> {
  const recipients: Recipient[] = [];
  for (const handle of mentionedHandles(post.bodyMarkdown)) {
    const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.discussionHandle(challengeId, handle) }));
    const owner = result.Item as HandleRecord | undefined;
    if (!owner || owner.userId === post.authorId) continue;
    // Participants of this challenge, and its organisers; never someone who only shares a name elsewhere.
    if (owner.role !== 'organiser' && !(await findParticipant(ctx, challengeId, owner.userId))) continue;
    const user = await getUser(ctx, owner.userId);
    if (user) recipients.push({ userId: user.userId, email: user.email });
  }
  return recipients;
}

/**
 * Tells each participant a post mentions by `@handle`: once per post and person (the event id
 * names both, so an edit that keeps the mention, or a retry, tells nobody twice). A hidden post,
 * a hidden topic or a muted author notifies nobody.
 */
export async function notifyMentions(ctx: PodiumContext, challenge: Challenge, topic: TopicRecord, post: PostRecord): Promise<number> {
  await claimHandle(ctx, post);
  if (post.hiddenAt || topic.hiddenAt || post.erasedAt) return 0;
  const mute = await findMute(ctx, challenge.id, post.authorId);
  if (mute && Date.parse(mute.until) > ctx.now().getTime()) return 0;
  let told = 0;
  for (const recipient of await mentionedRecipients(ctx, challenge.id, post)) {
    const sent = await publishNotification(
      ctx,
      challenge,
      {
        id: eventId('mention', challenge.id, post.postId, recipient.userId),
        type: 'discussion.mention',
        challengeId: challenge.id,
        title: `${post.authorName}${post.authorRole === 'organiser' ? ' (organiser)' : ''} mentioned you in "${topic.title}"`,
        text: excerpt(post.bodyMarkdown, 1_000),
        link: `/challenges/${challenge.id}/discussion/topics/${topic.topicId}`,
      },
      [recipient],
    );
    told += sent.inApp;
  }
  return told;
}
