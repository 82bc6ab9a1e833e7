import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { announce } from '#shared/discussion/announcements.ts';
import { postView, topicSummary } from '#shared/discussion/discussion-records.ts';
import { listReports, markAnswer, muteParticipant, setPostHidden, setTopicState } from '#shared/discussion/moderation.ts';
import { withReportedPosts } from '#shared/discussion/reported-posts.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { createRoute } from '../../openapi/route-definition.ts';
import { newRouter } from '../../router.ts';
import { bearer, challengeIdParam, ChallengeParams, commonErrors, json, resourceId } from '../../schemas.ts';
import { DiscussionPost, DiscussionTopic, OpenedTopic, PostParams, TopicParams } from '../discussion.ts';

const Reason = z.string().trim().min(1).max(1000);
const organiserView = { organiser: true } as const;
const PublishedAnnouncement = OpenedTopic.extend({ recipients: z.number(), emails: z.number() }).meta({
  id: 'PublishedAnnouncement',
  description: 'The announcement topic, how many participants it reached and how many e-mails went out',
});
const AnsweredTopic = DiscussionTopic.extend({ answerPostId: z.string().optional() }).meta({ id: 'AnsweredTopic' });
const DiscussionMute = z
  .object({ userId: z.string(), mutedUntil: z.string().nullable().meta({ description: 'null: the mute was lifted' }) })
  .meta({ id: 'DiscussionMute' });
const PostReport = z
  .object({
    id: z.string(),
    at: z.string(),
    topicId: z.string(),
    postId: z.string(),
    reporterId: z.string(),
    reason: z.string(),
    topicTitle: z.string().optional(),
    post: z.object({ excerpt: z.string(), author: z.string(), hidden: z.boolean() }).optional().describe('absent when the post is gone'),
  })
  .meta({ id: 'PostReport', description: 'docs/API.md: the excerpt is the first 200 characters, hidden posts included' });
const PostReportPage = z.object({ reports: z.array(PostReport), nextCursor: z.string().optional() }).meta({ id: 'PostReportPage' });

export function adminDiscussionRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/announcements',
        tags: ['organisers', 'discussion'],
        summary: 'Announce: a pinned topic in "announcements", notified in the app and by e-mail to an audience',
        security: bearer,
        request: {
          params: ChallengeParams,
          body: {
            required: true,
            content: {
              'application/json': {
                schema: z.object({
                  title: z.string().max(1000),
                  body: z.string().max(2 * 1024 * 1024),
                  pinned: z.boolean().default(true),
                  audience: z
                    .discriminatedUnion('kind', [
                      z.object({ kind: z.literal('all') }),
                      z.object({ kind: z.literal('approved') }),
                      z.object({ kind: z.literal('teams-with-submission') }),
                      z.object({ kind: z.literal('team'), teamId: resourceId('team id') }),
                    ])
                    .default({ kind: 'all' }),
                }),
              },
            },
          },
        },
        responses: { 201: json(PublishedAnnouncement, 'Created'), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const { topic, recipients, emails } = await announce(ctx, challenge, organiser, c.req.valid('json'));
        return c.json({ ...topicSummary(topic, organiserView), post: postView(topic, organiserView, topic), recipients, emails }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/admin/challenges/{challengeId}/discussion/topics/{topicId}',
        tags: ['organisers', 'discussion'],
        summary: 'Pin or unpin, lock or unlock a topic (audit-logged)',
        security: bearer,
        request: {
          params: TopicParams,
          body: {
            required: true,
            content: {
              'application/json': { schema: z.object({ pinned: z.boolean().optional(), locked: z.boolean().optional(), reason: Reason.optional() }) },
            },
          },
        },
        responses: { 200: json(DiscussionTopic), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, topicId } = c.req.valid('param');
        const { pinned, locked, reason } = c.req.valid('json');
        const topic = await setTopicState(
          ctx,
          challengeId,
          organiser,
          topicId,
          { ...(pinned !== undefined ? { pinned } : {}), ...(locked !== undefined ? { locked } : {}) },
          reason,
        );
        return c.json(topicSummary(topic, organiserView), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/admin/challenges/{challengeId}/discussion/topics/{topicId}/answer',
        tags: ['organisers', 'discussion'],
        summary: "Mark a reply as the topic's answer (replyId null clears it)",
        security: bearer,
        request: {
          params: TopicParams,
          body: { required: true, content: { 'application/json': { schema: z.object({ replyId: resourceId('reply id').nullable() }) } } },
        },
        responses: { 200: json(AnsweredTopic), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, topicId } = c.req.valid('param');
        const topic = await markAnswer(ctx, challengeId, organiser, topicId, c.req.valid('json').replyId ?? undefined);
        return c.json({ ...topicSummary(topic, organiserView), ...(topic.answerPostId ? { answerPostId: topic.answerPostId } : {}) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/discussion/topics/{topicId}/posts/{postId}/{action}',
        tags: ['organisers', 'discussion'],
        summary: 'Hide or restore a post (audit-logged with the reason)',
        security: bearer,
        request: {
          params: PostParams.extend({ action: z.enum(['hide', 'restore']) }),
          body: { required: true, content: { 'application/json': { schema: z.object({ reason: Reason }) } } },
        },
        responses: { 200: json(DiscussionPost), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, topicId, postId, action } = c.req.valid('param');
        const post = await setPostHidden(ctx, challengeId, organiser, topicId, postId, action === 'hide', c.req.valid('json').reason);
        return c.json(postView(post, organiserView), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/admin/challenges/{challengeId}/discussion/mutes/{userId}',
        tags: ['organisers', 'discussion'],
        summary: 'Mute a participant in the discussion until a time (a past time lifts it); audit-logged',
        security: bearer,
        request: {
          params: z.object({ challengeId: challengeIdParam, userId: z.string().min(1).max(128) }),
          body: { required: true, content: { 'application/json': { schema: z.object({ until: z.iso.datetime({ offset: true }), reason: Reason }) } } },
        },
        responses: { 200: json(DiscussionMute), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, userId } = c.req.valid('param');
        const { until, reason } = c.req.valid('json');
        await getChallenge(ctx, challengeId);
        return c.json(await muteParticipant(ctx, challengeId, organiser, userId, new Date(until).toISOString(), reason), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/discussion/reports',
        tags: ['organisers', 'discussion'],
        summary: "Participants' reports of posts, newest first, each with its topic's title and an excerpt of the post",
        security: bearer,
        request: {
          params: ChallengeParams,
          query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(2000).optional() }),
        },
        responses: { 200: json(PostReportPage), ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        const { challengeId } = c.req.valid('param');
        await getChallenge(ctx, challengeId);
        const { limit, cursor } = c.req.valid('query');
        const page = await listReports(ctx, challengeId, { limit, ...(cursor ? { cursor } : {}) });
        const reports = await withReportedPosts(ctx, challengeId, page.reports);
        return c.json({ reports, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, 200);
      },
    );
}
