import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { isConditionFailure } from '../storage/conditional-writes.ts';
import { BY_OWNER_INDEX, BY_PHASE_INDEX, keys, topicListPartition } from '../storage/table-design.ts';
import { requirePoster } from './discussion-access.ts';
import { authorOf, listingSortKey, newPostId, postKey, type PostRecord, type ReplyRecord, type TopicRecord, type Viewer } from './discussion-records.ts';
import { chargePost } from './post-rate-limit.ts';
import { cleanBody, cleanTitle } from './post-text.ts';
import { MAX_QUERY_WORDS, termsOf } from './search-terms.ts';

export const ANNOUNCEMENTS_CATEGORY = 'announcements';

export interface NewTopic {
  title: string;
  category: string;
  body: string;
}

function requireCategory(challenge: Challenge, category: string): void {
  const categories = challenge.discussion.categories;
  if (!categories.includes(category)) {
    const message = `"${category}" is not a category of ${challenge.id}; use one of ${categories.join(', ')}`;
    throw new PodiumError('VALIDATION_FAILED', `category: ${message}`, { issues: [{ field: 'body.category', message }], categories });
  }
}

/**
 * Opens a topic: its opening post is the topic item itself, so a topic is one conditional put.
 * Charged to the author's posting limits first, and given back when the put does not happen.
 */
export async function createTopic(
  ctx: PodiumContext,
  challenge: Challenge,
  principal: Principal,
  input: NewTopic,
  extra: Partial<Pick<TopicRecord, 'pinned' | 'announcement'>> = {},
): Promise<TopicRecord> {
  const title = cleanTitle(input.title);
  const bodyMarkdown = cleanBody(input.body);
  requireCategory(challenge, input.category);
  const role = await requirePoster(ctx, challenge, principal);
  if (input.category === ANNOUNCEMENTS_CATEGORY && role !== 'organiser') {
    throw new PodiumError('FORBIDDEN', `only organisers open topics in "${ANNOUNCEMENTS_CATEGORY}"; ask in another category`);
  }
  const now = ctx.now();
  const at = now.toISOString();
  const topicId = newPostId(now);
  const pinned = extra.pinned ?? false;
  const charge = role === 'participant' ? await chargePost(ctx, challenge.id, principal.userId, topicId, challenge.discussion) : undefined;
  const terms = termsOf(title, bodyMarkdown);
  const topic: TopicRecord = {
    ...keys.topic(challenge.id, topicId),
    kind: 'discussion-topic',
    challengeId: challenge.id,
    topicId,
    postId: topicId,
    ...authorOf(principal, role),
    title,
    category: input.category,
    bodyMarkdown,
    createdAt: at,
    lastActivityAt: at,
    replyCount: 0,
    pinned,
    locked: false,
    ...(terms.length ? { terms: new Set(terms) } : {}),
    ...(extra.announcement ? { announcement: extra.announcement } : {}),
    gsi1pk: topicListPartition(challenge.id),
    gsi1sk: listingSortKey(pinned, at, topicId),
    gsi2pk: topicListPartition(challenge.id),
    gsi2sk: listingSortKey(pinned, at, topicId),
  };
  try {
    await recordAuthorship(ctx, principal.userId, challenge.id, topicId, topicId);
    await ctx.db.send(new PutCommand({ TableName: ctx.config.tableName, Item: topic, ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (error) {
    await charge?.refund();
    throw error;
  }
  return topic;
}

/**
 * The author's pointer to a post, written before the post: a post never lacks one (export and
 * erasure find every post), and a pointer whose post was never written is skipped by them.
 */
async function recordAuthorship(ctx: PodiumContext, userId: string, challengeId: string, topicId: string, postId: string): Promise<void> {
  await ctx.db.send(
    new PutCommand({
      TableName: ctx.config.tableName,
      Item: { ...keys.authoredPost(userId, challengeId, topicId, postId), kind: 'authored-post', challengeId, topicId, postId },
    }),
  );
}

export async function findTopic(ctx: PodiumContext, challengeId: string, topicId: string): Promise<TopicRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.topic(challengeId, topicId), ConsistentRead: true }));
  return result.Item as TopicRecord | undefined;
}

/** The topic, or NOT_FOUND; a hidden topic is not found by anyone but organisers. */
export async function requireTopic(ctx: PodiumContext, challengeId: string, topicId: string, viewer: Viewer): Promise<TopicRecord> {
  const topic = await findTopic(ctx, challengeId, topicId);
  if (!topic || (topic.hiddenAt && !viewer.organiser)) throw notFound(`topic "${topicId}" of ${challengeId}`);
  return topic;
}

export async function findPost(ctx: PodiumContext, challengeId: string, topicId: string, postId: string): Promise<PostRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: postKey(challengeId, topicId, postId), ConsistentRead: true }));
  return result.Item as PostRecord | undefined;
}

/**
 * Replies to a topic. The reply is written first (one conditional put); the topic's reply count,
 * activity time and search words follow in one update that also checks the topic is still open:
 * a topic locked in between removes the reply again and gives the charge back.
 */
export async function replyToTopic(
  ctx: PodiumContext,
  challenge: Challenge,
  principal: Principal,
  topicId: string,
  body: string,
): Promise<{ topic: TopicRecord; reply: ReplyRecord }> {
  const bodyMarkdown = cleanBody(body);
  const role = await requirePoster(ctx, challenge, principal);
  const topic = await requireTopic(ctx, challenge.id, topicId, { organiser: role === 'organiser' });
  if (topic.locked && role !== 'organiser') throw lockedTopic(topic);
  const now = ctx.now();
  const at = now.toISOString();
  const replyId = newPostId(now);
  const charge = role === 'participant' ? await chargePost(ctx, challenge.id, principal.userId, replyId, challenge.discussion) : undefined;
  const reply: ReplyRecord = {
    ...keys.reply(challenge.id, topicId, replyId),
    kind: 'discussion-reply',
    challengeId: challenge.id,
    topicId,
    postId: replyId,
    ...authorOf(principal, role),
    bodyMarkdown,
    createdAt: at,
  };
  try {
    await recordAuthorship(ctx, principal.userId, challenge.id, topicId, replyId);
    await ctx.db.send(new PutCommand({ TableName: ctx.config.tableName, Item: reply, ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (error) {
    await charge?.refund();
    throw error;
  }
  const terms = termsOf(bodyMarkdown);
  try {
    const updated = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.topic(challenge.id, topicId),
        UpdateExpression: `SET replyCount = replyCount + :one, lastActivityAt = :at, gsi2sk = :activity${terms.length ? ' ADD terms :terms' : ''}`,
        ConditionExpression: role === 'organiser' ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND locked = :open',
        ExpressionAttributeValues: {
          ':one': 1,
          ':at': at,
          ':activity': listingSortKey(topic.pinned, at, topicId),
          ...(terms.length ? { ':terms': new Set(terms) } : {}),
          ...(role === 'organiser' ? {} : { ':open': false }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { topic: updated.Attributes as TopicRecord, reply };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    await ctx.db.send(new DeleteCommand({ TableName: ctx.config.tableName, Key: keys.reply(challenge.id, topicId, replyId) }));
    await charge?.refund();
    throw lockedTopic(topic);
  }
}

function lockedTopic(topic: TopicRecord): PodiumError {
  return new PodiumError('INVALID_STATE', `topic "${topic.title}" is locked by an organiser: it takes no new replies`);
}

// The cursor helpers moved to storage/page-cursor.ts (teams and submissions pages use them too).
export { decodeCursor, encodeCursor } from '../storage/page-cursor.ts';
import { decodeCursor, encodeCursor } from '../storage/page-cursor.ts';

export interface TopicQuery {
  sort: 'activity' | 'newest';
  category?: string;
  /** Words that must all appear in the topic's title or posts. */
  search?: string;
  limit: number;
  cursor?: string;
}

/** Topics a search or a category filter reads at most per request, before it answers with a cursor to continue. */
export const MAX_TOPICS_READ_PER_REQUEST = 1_000;

/**
 * A page of a challenge's topics, pinned first, then by latest activity or creation: one query on
 * GSI2 or GSI1. A category or a search filters that query (never a scan); such a page may come
 * back short, with a cursor when more topics remain to read.
 */
export async function listTopics(ctx: PodiumContext, challenge: Challenge, query: TopicQuery, viewer: Viewer) {
  if (query.category) requireCategory(challenge, query.category);
  const words = query.search ? searchWords(query.search) : [];
  const filters: string[] = [];
  const values: Record<string, unknown> = { ':pk': topicListPartition(challenge.id) };
  if (!viewer.organiser) filters.push('attribute_not_exists(hiddenAt)');
  if (query.category) {
    filters.push('category = :category');
    values[':category'] = query.category;
  }
  words.forEach((word, index) => {
    filters.push(`contains(terms, :w${index})`);
    values[`:w${index}`] = word;
  });
  const index = query.sort === 'newest' ? BY_OWNER_INDEX : BY_PHASE_INDEX;
  const input: QueryCommandInput = {
    TableName: ctx.config.tableName,
    IndexName: index.name,
    KeyConditionExpression: `${index.partition} = :pk`,
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
    ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
  };
  const topics: TopicRecord[] = [];
  let startKey = decodeCursor(query.cursor);
  let read = 0;
  do {
    const page = await ctx.db.send(
      new QueryCommand({
        ...input,
        Limit: filters.length ? Math.min(100, MAX_TOPICS_READ_PER_REQUEST - read) : query.limit - topics.length,
        ExclusiveStartKey: startKey,
      }),
    );
    read += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) {
      topics.push(item as TopicRecord);
      if (topics.length === query.limit) {
        startKey = keyOfListed(item as TopicRecord, index);
        break;
      }
    }
    if (topics.length < query.limit) startKey = page.LastEvaluatedKey;
  } while (startKey && topics.length < query.limit && read < MAX_TOPICS_READ_PER_REQUEST);
  return { topics, nextCursor: encodeCursor(startKey) };
}

function keyOfListed(topic: TopicRecord, index: typeof BY_OWNER_INDEX | typeof BY_PHASE_INDEX): Record<string, string> {
  const record = topic as unknown as Record<string, string>;
  return { pk: topic.pk, sk: topic.sk, [index.partition]: record[index.partition]!, [index.sort]: record[index.sort]! };
}

function searchWords(search: string): string[] {
  const words = termsOf(search);
  if (words.length === 0) {
    throw new PodiumError('VALIDATION_FAILED', 'q: needs a word of 2 to 32 letters or digits', { issues: [{ field: 'query.q', message: 'needs a word' }] });
  }
  if (words.length > MAX_QUERY_WORDS) {
    const message = `has ${words.length} words; a search takes at most ${MAX_QUERY_WORDS}`;
    throw new PodiumError('VALIDATION_FAILED', `q: ${message}`, { issues: [{ field: 'query.q', message }] });
  }
  return words;
}

/** A topic with a page of its replies in writing order: one query of the topic's partition. */
export async function readTopic(ctx: PodiumContext, challenge: Challenge, topicId: string, page: { limit: number; cursor?: string }, viewer: Viewer) {
  const topic = await requireTopic(ctx, challenge.id, topicId, viewer);
  const startKey = decodeCursor(page.cursor);
  const result = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :reply)',
      ExpressionAttributeValues: { ':pk': topic.pk, ':reply': 'REPLY#' },
      Limit: page.limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  return { topic, replies: (result.Items ?? []) as ReplyRecord[], nextCursor: encodeCursor(result.LastEvaluatedKey) };
}

/**
 * The author edits a post within the challenge's edit window. The earlier version joins the
 * post's history (organisers read it). The write is conditional on the text read, so two edits
 * racing keep both versions, and on the window and authorship, so a late edit changes nothing.
 */
export async function editPost(
  ctx: PodiumContext,
  challenge: Challenge,
  principal: Principal,
  topicId: string,
  postId: string,
  input: { body: string; title?: string },
): Promise<PostRecord> {
  const bodyMarkdown = cleanBody(input.body);
  const title = input.title !== undefined ? cleanTitle(input.title) : undefined;
  const role = await requirePoster(ctx, challenge, principal);
  const topic = await requireTopic(ctx, challenge.id, topicId, { organiser: false });
  const post = postId === topicId ? topic : await findPost(ctx, challenge.id, topicId, postId);
  if (!post || post.hiddenAt || post.authorId !== principal.userId) throw notFound(`your post "${postId}" in topic "${topicId}"`);
  if (topic.locked && role !== 'organiser') throw lockedTopic(topic);
  if (title !== undefined && postId !== topicId) {
    throw new PodiumError('VALIDATION_FAILED', "title: only a topic's opening post has a title", {
      issues: [{ field: 'body.title', message: 'only for a topic' }],
    });
  }
  const at = ctx.now().toISOString();
  const windowMs = challenge.discussion.editWindowMinutes * 60_000;
  const closesAt = new Date(Date.parse(post.createdAt) + windowMs).toISOString();
  if (at > closesAt)
    throw new PodiumError('INVALID_STATE', `posts can be edited for ${challenge.discussion.editWindowMinutes} minutes; this one closed at ${closesAt}`);
  const previous = { at: post.editedAt ?? post.createdAt, bodyMarkdown: post.bodyMarkdown, ...(postId === topicId ? { title: topic.title } : {}) };
  const terms = termsOf(title ?? '', bodyMarkdown);
  try {
    const updated = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: postKey(challenge.id, topicId, postId),
        UpdateExpression:
          'SET bodyMarkdown = :body, editedAt = :at, history = list_append(if_not_exists(history, :none), :previous)' + (title ? ', title = :title' : ''),
        ConditionExpression: 'authorId = :me AND bodyMarkdown = :old AND createdAt >= :opened AND attribute_not_exists(hiddenAt)',
        ExpressionAttributeValues: {
          ':body': bodyMarkdown,
          ':at': at,
          ':none': [],
          ':previous': [previous],
          ':me': principal.userId,
          ':old': post.bodyMarkdown,
          ':opened': new Date(Date.parse(at) - windowMs).toISOString(),
          ...(title ? { ':title': title } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (terms.length) {
      await ctx.db.send(
        new UpdateCommand({
          TableName: ctx.config.tableName,
          Key: keys.topic(challenge.id, topicId),
          UpdateExpression: 'ADD terms :terms',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':terms': new Set(terms) },
        }),
      );
    }
    return updated.Attributes as PostRecord;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    throw new PodiumError('CONFLICT', 'the post changed while you edited it (another edit, or an organiser hid it); read it again and retry');
  }
}
