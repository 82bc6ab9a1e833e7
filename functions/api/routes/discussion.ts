import type { Context } from 'hono';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { postView, topicSummary, type Viewer } from '#shared/discussion/discussion-records.ts';
import { reportPost } from '#shared/discussion/moderation.ts';
import { notifyMentions } from '#shared/discussion/mentions.ts';
import { notifyReply } from '#shared/discussion/reply-notifications.ts';
import { createTopic, editPost, findTopic, listTopics, readTopic, replyToTopic } from '#shared/discussion/topics.ts';
import { MAX_POST_BYTES } from '#shared/discussion/post-text.ts';
import type { ApiDependencies, ApiEnv } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { createRoute } from '../openapi/route-definition.ts';
import { newRouter } from '../router.ts';
import { bearer, challengeIdParam, ChallengeParams, commonErrors, json, quotaError, resourceId } from '../schemas.ts';

export const TopicParams = z.object({ challengeId: challengeIdParam, topicId: resourceId('topic id') });
export const PostParams = TopicParams.extend({ postId: resourceId('post id: the topic id for its opening post') });
// The size limit is checked in bytes by the domain (a clear message naming the limit); this only bounds parsing.
const Body = z.string().max(32 * MAX_POST_BYTES);

const Author = z.object({
  name: z.string(),
  role: z.enum(['organiser', 'participant']),
  handle: z.string().optional().meta({ description: 'What `@handle` mentions of this author are written as (absent once erased)' }),
  userId: z.string().optional().meta({ description: "The author's account id, to organisers only (mutes name it)" }),
  badge: z.string().optional().meta({ description: '"organiser" on organisers\' posts' }),
});
export const DiscussionTopic = z
  .object({
    id: z.string(),
    title: z.string(),
    category: z.string(),
    author: Author,
    createdAt: z.string(),
    lastActivityAt: z.string(),
    replyCount: z.number(),
    pinned: z.boolean(),
    locked: z.boolean(),
    answered: z.boolean(),
    hidden: z.boolean(),
  })
  .meta({ id: 'DiscussionTopic', description: "A topic as the topic list shows it (a hidden topic's title only to organisers)" });
export const DiscussionPost = z
  .object({
    id: z.string(),
    author: Author,
    body: z.string().meta({ description: 'sanitised markdown' }),
    createdAt: z.string(),
    editedAt: z.string().optional(),
    mine: z.boolean().optional().meta({ description: "true on the caller's own posts" }),
    answer: z.boolean().optional().meta({ description: "true on the topic's answer" }),
    hidden: z.boolean(),
    hiddenAt: z.string().optional(),
    hiddenBy: z.string().optional(),
    hiddenReason: z.string().optional(),
    history: z
      .array(z.object({ at: z.string(), title: z.string().optional(), body: z.string() }))
      .optional()
      .meta({ description: 'earlier versions: organisers only' }),
  })
  .meta({ id: 'DiscussionPost' });
const TopicWithPost = DiscussionTopic.extend({ post: DiscussionPost });
const Announcement = z.object({ audience: z.string(), teamId: z.string().optional(), recipients: z.number() });
const DiscussionSettings = z
  .object({
    challengeId: z.string(),
    categories: z.array(z.string()),
    editWindowMinutes: z.number(),
    postsPerMinute: z.number(),
    postsPerDay: z.number(),
    maxPostBytes: z.number(),
  })
  .meta({ id: 'DiscussionSettings' });
const TopicPage = z.object({ topics: z.array(DiscussionTopic), nextCursor: z.string().optional() }).meta({ id: 'TopicPage' });
const TopicThread = TopicWithPost.extend({ announcement: Announcement.optional(), replies: z.array(DiscussionPost), nextCursor: z.string().optional() }).meta({
  id: 'TopicThread',
  description: 'A topic, its opening post and a page of replies',
});
export const OpenedTopic = TopicWithPost.meta({ id: 'OpenedTopic' });
const PostReportReceipt = z.object({ id: z.string(), at: z.string(), topicId: z.string(), postId: z.string() }).meta({ id: 'PostReportReceipt' });
const Page = { limit: z.coerce.number().int().min(1).max(100).default(25), cursor: z.string().max(2000).optional() };

/** The caller as a reader: anonymous readers see what everyone sees. */
export function viewerOf(c: Context<ApiEnv>): Viewer {
  const principal = c.get('principal');
  return { ...(principal ? { userId: principal.userId } : {}), organiser: Boolean(principal?.organiser && !principal.organiserWithoutMfa) };
}

export function discussionRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/discussion',
        tags: ['discussion'],
        summary: "The discussion's categories, edit window and posting limits",
        request: { params: ChallengeParams },
        responses: { 200: json(DiscussionSettings), 404: commonErrors[404] },
      }),
      async (c) => {
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        return c.json({ challengeId: challenge.id, ...challenge.discussion, maxPostBytes: MAX_POST_BYTES }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/discussion/topics',
        tags: ['discussion'],
        summary: 'Topics, pinned first, by latest activity or newest; filter by category; search words in titles and posts',
        request: {
          params: ChallengeParams,
          query: z.object({
            sort: z.enum(['activity', 'newest']).default('activity'),
            category: z.string().max(40).optional(),
            q: z.string().max(200).optional(),
            ...Page,
          }),
        },
        responses: { 200: json(TopicPage), 400: commonErrors[400], 404: commonErrors[404] },
      }),
      async (c) => {
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const query = c.req.valid('query');
        const viewer = viewerOf(c);
        const page = await listTopics(
          ctx,
          challenge,
          {
            sort: query.sort,
            limit: query.limit,
            ...(query.category ? { category: query.category } : {}),
            ...(query.q ? { search: query.q } : {}),
            ...(query.cursor ? { cursor: query.cursor } : {}),
          },
          viewer,
        );
        return c.json({ topics: page.topics.map((topic) => topicSummary(topic, viewer)), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/discussion/topics',
        tags: ['discussion'],
        summary: 'Open a topic (registered participants and organisers; announcements: organisers only)',
        security: bearer,
        request: {
          params: ChallengeParams,
          body: {
            required: true,
            content: { 'application/json': { schema: z.object({ title: z.string().max(1000), category: z.string().max(40).default('general'), body: Body }) } },
          },
        },
        responses: { 201: json(OpenedTopic, 'Created'), ...commonErrors, ...quotaError },
      }),
      async (c) => {
        const principal = userOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const topic = await createTopic(ctx, challenge, principal, c.req.valid('json'));
        await notifyMentions(ctx, challenge, topic, topic);
        const viewer = viewerOf(c);
        return c.json({ ...topicSummary(topic, viewer), post: postView(topic, viewer, topic) }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/discussion/topics/{topicId}',
        tags: ['discussion'],
        summary: 'A topic, its opening post and a page of replies in order',
        request: { params: TopicParams, query: z.object(Page) },
        responses: { 200: json(TopicThread), 400: commonErrors[400], 404: commonErrors[404] },
      }),
      async (c) => {
        const { challengeId, topicId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const viewer = viewerOf(c);
        const { limit, cursor } = c.req.valid('query');
        const page = await readTopic(ctx, challenge, topicId, { limit, ...(cursor ? { cursor } : {}) }, viewer);
        return c.json(
          {
            ...topicSummary(page.topic, viewer),
            ...(page.topic.announcement && viewer.organiser ? { announcement: page.topic.announcement } : {}),
            post: postView(page.topic, viewer, page.topic),
            replies: page.replies.map((reply) => postView(reply, viewer, page.topic)),
            ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/discussion/topics/{topicId}/replies',
        tags: ['discussion'],
        summary: "Reply to a topic (not to a locked one, except organisers); the topic's author and each @handle mentioned are notified",
        security: bearer,
        request: { params: TopicParams, body: { required: true, content: { 'application/json': { schema: z.object({ body: Body }) } } } },
        responses: { 201: json(DiscussionPost, 'Created'), ...commonErrors, ...quotaError },
      }),
      async (c) => {
        const principal = userOf(c);
        const { challengeId, topicId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const { topic, reply } = await replyToTopic(ctx, challenge, principal, topicId, c.req.valid('json').body);
        await notifyReply(ctx, challenge, topic, reply);
        await notifyMentions(ctx, challenge, topic, reply);
        return c.json(postView(reply, viewerOf(c), topic), 201);
      },
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/challenges/{challengeId}/discussion/topics/{topicId}/posts/{postId}',
        tags: ['discussion'],
        summary: "Edit your post within the challenge's edit window (organisers keep the earlier versions)",
        security: bearer,
        request: {
          params: PostParams,
          body: { required: true, content: { 'application/json': { schema: z.object({ body: Body, title: z.string().max(1000).optional() }) } } },
        },
        responses: { 200: json(DiscussionPost), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const { challengeId, topicId, postId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const { body, title } = c.req.valid('json');
        const post = await editPost(ctx, challenge, principal, topicId, postId, { body, ...(title !== undefined ? { title } : {}) });
        const topic = await findTopic(ctx, challengeId, topicId);
        if (topic) await notifyMentions(ctx, challenge, topic, post);
        return c.json(postView(post, viewerOf(c)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/discussion/topics/{topicId}/posts/{postId}/reports',
        tags: ['discussion'],
        summary: 'Report a post to the organisers (counts against the posting limits)',
        security: bearer,
        request: {
          params: PostParams,
          body: { required: true, content: { 'application/json': { schema: z.object({ reason: z.string().trim().min(1).max(1000) }) } } },
        },
        responses: { 201: json(PostReportReceipt, 'Created'), ...commonErrors, ...quotaError },
      }),
      async (c) => {
        const principal = userOf(c);
        const { challengeId, topicId, postId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const report = await reportPost(ctx, challenge, principal, topicId, postId, c.req.valid('json').reason);
        return c.json({ id: report.id, at: report.at, topicId, postId }, 201);
      },
    );
}
