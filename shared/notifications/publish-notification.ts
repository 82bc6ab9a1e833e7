import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { createIfAbsent } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { MailJob } from './mail-delivery.ts';
import type { NotificationEvent, Recipient } from './notification-event.ts';
import { getPreferences, wantsEmail } from './notification-preferences.ts';

export interface NotificationRecord {
  pk: string;
  sk: string;
  kind: 'notification';
  userId: string;
  eventId: string;
  type: NotificationEvent['type'];
  challengeId: string;
  at: string;
  title: string;
  text: string;
  link?: string;
  readAt?: string;
}

/**
 * Tells each recipient about an event, as their preferences say: an in-app notification and an
 * e-mail queued for sending. Safe to repeat: the inbox marker (`DELIVERY#<event>` / `INBOX#<user>`)
 * is put first and names the notification's key, so a repeat rewrites nothing and a retry after
 * a crash completes the same notification; e-mails are idempotent at delivery (mail-delivery.ts).
 */
export async function publishNotification(
  ctx: PodiumContext,
  challenge: Pick<Challenge, 'id' | 'notifications'>,
  event: NotificationEvent,
  recipients: readonly Recipient[],
): Promise<{ inApp: number; emails: number }> {
  const table = ctx.config.tableName;
  const mails: MailJob[] = [];
  let inApp = 0;
  const seen = new Set<string>();
  for (const recipient of recipients) {
    if (seen.has(recipient.userId)) continue;
    seen.add(recipient.userId);
    const preferences = await getPreferences(ctx, recipient.userId);
    if (!preferences.inAppOff.has(event.type)) {
      const at = ctx.now().toISOString();
      const marker = await createIfAbsent(ctx.db, table, {
        ...keys.mailDelivery(event.id, recipient.userId),
        sk: `INBOX#${recipient.userId}`,
        kind: 'inbox-delivery',
        at,
      });
      const notification: NotificationRecord = {
        ...keys.notification(recipient.userId, String(marker.item.at), event.id),
        kind: 'notification',
        userId: recipient.userId,
        eventId: event.id,
        type: event.type,
        challengeId: event.challengeId,
        at: String(marker.item.at),
        title: event.title,
        text: event.text,
        ...(event.link ? { link: event.link } : {}),
      };
      if ((await createIfAbsent(ctx.db, table, notification)).created) inApp++;
    }
    if (wantsEmail(preferences, event.type) && recipient.email) {
      mails.push({
        eventId: event.id,
        type: event.type,
        challengeId: event.challengeId,
        userId: recipient.userId,
        to: recipient.email,
        from: challenge.notifications.fromAddress,
        subject: `[${challenge.id}] ${event.title}`,
        text: event.text,
      });
    }
  }
  if (mails.length && ctx.notifications) await ctx.notifications.outbox.enqueue(mails);
  return { inApp, emails: ctx.notifications ? mails.length : 0 };
}
