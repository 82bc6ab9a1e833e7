import * as z from 'zod';
import { erasePersonalData, exportPersonalData } from '#shared/privacy/personal-data.ts';
import type { ApiDependencies } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { createRoute } from '../openapi/route-definition.ts';
import { newRouter } from '../router.ts';
import { SUBMISSION_STATUSES } from '#shared/submissions/submission-status.ts';
import { NOTIFICATION_TYPES } from '#shared/notifications/notification-event.ts';
import { bearer, commonErrors, json } from '../schemas.ts';
import { NotificationPreferences } from './notifications.ts';

const PersonalData = z
  .object({
    exportedAt: z.string(),
    account: z.object({ userId: z.string(), email: z.string(), createdAt: z.string().optional() }),
    registrations: z.array(
      z.object({
        challengeId: z.string(),
        email: z.string(),
        displayName: z.string().optional().describe('the name teammates see, as a handle'),
        status: z.enum(['approved', 'pending', 'rejected', 'revoked']),
        acceptedRulesVersion: z.string(),
        acceptedAt: z.string(),
        registeredAt: z.string(),
        approvedAt: z.string().optional(),
        teamId: z.string().optional(),
      }),
    ),
    submissions: z.array(
      z.object({
        id: z.string(),
        challengeId: z.string(),
        phaseId: z.string(),
        teamId: z.string(),
        status: z.enum(SUBMISSION_STATUSES),
        createdAt: z.string(),
        note: z.string().optional(),
        scoredAt: z.string().optional(),
        failure: z.string().optional(),
      }),
    ),
    posts: z.array(
      z.object({
        challengeId: z.string(),
        topicId: z.string(),
        postId: z.string(),
        title: z.string().optional(),
        bodyMarkdown: z.string(),
        createdAt: z.string(),
        earlierVersions: z.array(z.object({ at: z.string(), title: z.string().optional(), bodyMarkdown: z.string() })).optional(),
        hiddenAt: z.string().optional(),
        hiddenReason: z.string().optional(),
      }),
    ),
    notifications: z.array(
      z.object({
        type: z.enum(NOTIFICATION_TYPES),
        challengeId: z.string(),
        at: z.string(),
        title: z.string(),
        text: z.string(),
        readAt: z.string().optional(),
      }),
    ),
    notificationPreferences: NotificationPreferences,
  })
  .meta({ id: 'PersonalData', description: 'Everything Podium holds about the caller (docs/PRIVACY.md)' });
const Erasure = z
  .object({
    erasedAt: z.string(),
    pseudonym: z.string(),
    posts: z.number(),
    submissions: z.number(),
    registrations: z.number(),
    notificationsDeleted: z.number(),
  })
  .meta({ id: 'Erasure', description: 'What was pseudonymised or deleted' });

export function privacyRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/me/personal-data',
        tags: ['privacy'],
        summary: 'Everything Podium holds about me, as JSON (docs/PRIVACY.md)',
        security: bearer,
        responses: { 200: json(PersonalData), ...commonErrors },
      }),
      async (c) => c.json(await exportPersonalData(ctx, userOf(c)), 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/me/erasure',
        tags: ['privacy'],
        summary: 'Erase my personal data: posts and submissions pseudonymised, scores kept, e-mail removed (audit-logged)',
        security: bearer,
        request: { body: { required: true, content: { 'application/json': { schema: z.object({ confirmEmail: z.string().max(320) }) } } } },
        responses: { 200: json(Erasure), ...commonErrors },
      }),
      async (c) => c.json(await erasePersonalData(ctx, userOf(c), c.req.valid('json').confirmEmail), 200),
    );
}
