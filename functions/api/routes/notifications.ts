import * as z from 'zod';
import { listNotifications, markRead } from '#shared/notifications/inbox.ts';
import { NOTIFICATION_TYPES } from '#shared/notifications/notification-event.ts';
import { changePreferences, getPreferences, preferencesView } from '#shared/notifications/notification-preferences.ts';
import { unsubscribe } from '#shared/notifications/unsubscribe.ts';
import type { ApiDependencies } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { createRoute } from '../openapi/route-definition.ts';
import { newRouter } from '../router.ts';
import { bearer, commonErrors, json } from '../schemas.ts';

const Token = z.object({ token: z.string().min(10).max(2000) });
const Preference = z.object({ email: z.boolean().optional(), inApp: z.boolean().optional() });

const NotificationType = z.enum(NOTIFICATION_TYPES);
export const NotificationPreferences = z
  .record(NotificationType, z.object({ email: z.boolean(), inApp: z.boolean() }))
  .meta({ id: 'NotificationPreferences', description: 'Per event type: shown in the app, sent by e-mail' });
const NotificationPage = z
  .object({
    notifications: z.array(
      z.object({
        id: z.string(),
        type: NotificationType,
        challengeId: z.string(),
        at: z.string(),
        title: z.string(),
        text: z.string(),
        link: z.string().optional(),
        read: z.boolean(),
      }),
    ),
    nextCursor: z.string().optional(),
    unread: z.number(),
    unreadCapped: z.boolean().meta({ description: 'true when there are more unread notifications than `unread` counts' }),
  })
  .meta({ id: 'NotificationPage' });
const MarkedRead = z.object({ marked: z.number() }).meta({ id: 'MarkedRead' });
const PreferencesAnswer = z.object({ preferences: NotificationPreferences }).meta({ id: 'NotificationPreferencesAnswer' });
const Unsubscribed = z.object({ unsubscribed: z.enum([...NOTIFICATION_TYPES, 'all']), preferences: NotificationPreferences }).meta({ id: 'Unsubscribed' });

export function notificationRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/me/notifications',
        tags: ['notifications'],
        summary: 'My notifications, newest first, with the unread count',
        security: bearer,
        request: {
          query: z.object({
            limit: z.coerce.number().int().min(1).max(100).default(25),
            cursor: z.string().max(2000).optional(),
            unread: z.enum(['true', 'false']).optional(),
          }),
        },
        responses: { 200: json(NotificationPage), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const { limit, cursor, unread } = c.req.valid('query');
        return c.json(await listNotifications(ctx, principal.userId, { limit, ...(cursor ? { cursor } : {}), unreadOnly: unread === 'true' }), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/me/notifications/read',
        tags: ['notifications'],
        summary: 'Mark notifications read: the listed ids, or all',
        security: bearer,
        request: {
          body: {
            required: true,
            content: { 'application/json': { schema: z.object({ ids: z.array(z.string().max(300)).max(500).optional(), all: z.boolean().optional() }) } },
          },
        },
        responses: { 200: json(MarkedRead), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const { ids, all } = c.req.valid('json');
        const marked = await markRead(ctx, principal.userId, { ...(ids ? { ids } : {}), ...(all ? { all } : {}) });
        return c.json({ marked }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/me/notification-preferences',
        tags: ['notifications'],
        summary: 'Per event type: in the app, by e-mail',
        security: bearer,
        responses: { 200: json(PreferencesAnswer), ...commonErrors },
      }),
      async (c) => c.json({ preferences: preferencesView(await getPreferences(ctx, userOf(c).userId)) }, 200),
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/me/notification-preferences',
        tags: ['notifications'],
        summary: 'Turn event types on or off, in the app or by e-mail ("all" for every e-mail)',
        security: bearer,
        request: {
          body: {
            required: true,
            content: { 'application/json': { schema: z.partialRecord(z.enum([...NOTIFICATION_TYPES, 'all']), Preference) } },
          },
        },
        responses: { 200: json(PreferencesAnswer), ...commonErrors },
      }),
      async (c) => c.json({ preferences: preferencesView(await changePreferences(ctx, userOf(c).userId, c.req.valid('json'))) }, 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/notifications/unsubscribe',
        tags: ['notifications'],
        summary: "An e-mail's unsubscribe link: a page with one button (a link preview or a mail scanner's GET changes nothing)",
        request: { query: Token },
        responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
      }),
      (c) =>
        c.body(
          `<!doctype html><meta charset="utf-8"><title>Unsubscribe</title><form method="post"><p>Stop these Podium e-mails?</p>` +
            `<input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
          200,
          { 'content-type': 'text/html; charset=UTF-8' },
        ),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/notifications/unsubscribe',
        tags: ['notifications'],
        summary: 'One-click unsubscribe (RFC 8058): the signed token says who and which e-mails; repeating it changes nothing',
        request: { query: Token },
        responses: { 200: json(Unsubscribed), 400: commonErrors[400], 404: commonErrors[404] },
      }),
      async (c) => c.json(await unsubscribe(ctx, c.req.valid('query').token), 200),
    );
}
