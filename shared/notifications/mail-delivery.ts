import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { createIfAbsent, writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { NotificationType } from './notification-event.ts';
import { unsubscribeToken } from './unsubscribe-token.ts';

/** One e-mail to send: one event to one recipient. */
export interface MailJob {
  eventId: string;
  type: NotificationType;
  challengeId: string;
  userId: string;
  to: string;
  from: string;
  subject: string;
  text: string;
}

/** A message as a transport sends it (SES v2 on AWS, SMTP to the local sink). Text only: no HTML a mail client could run. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  headers: Record<string, string>;
}

export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
}

/** Where publishing puts e-mails: SQS on AWS (sent by a consumer, retried, dead-lettered), delivered at once locally. */
export interface MailOutbox {
  enqueue(jobs: readonly MailJob[]): Promise<void>;
}

/**
 * What a context needs to notify: the outbox, and (where links are verified: the API) the secret
 * unsubscribe links are signed with, or how to read it on first use (Secrets Manager on AWS).
 */
export interface NotificationChannel {
  outbox: MailOutbox;
  unsubscribeSecret?: string | (() => Promise<string>);
}

export interface MailDeliverySettings {
  sender: MailSender;
  unsubscribeSecret: string;
  /** The API's public base URL, for the unsubscribe link. */
  apiUrl: string;
}

/** A claim older than this is taken to be a crashed sender's, and the e-mail is sent again. */
export const STALE_CLAIM_MS = 5 * 60_000;

export type DeliveryOutcome = 'sent' | 'already-sent' | 'in-flight';

/**
 * Sends one e-mail at most once per event and recipient: a conditional put of the delivery record
 * claims it, the send follows, and the record is marked sent. A second delivery of the same event
 * finds the record and sends nothing. A send that throws releases the claim, so the queue's retry
 * sends it; a sender that died after claiming leaves a claim that goes stale and is retaken.
 */
export async function deliverMail(ctx: PodiumContext, settings: MailDeliverySettings, job: MailJob): Promise<DeliveryOutcome> {
  const key = keys.mailDelivery(job.eventId, job.userId);
  const now = ctx.now();
  const claim = await createIfAbsent(ctx.db, ctx.config.tableName, {
    ...key,
    kind: 'mail-delivery',
    eventId: job.eventId,
    userId: job.userId,
    status: 'sending',
    claimedAt: now.toISOString(),
  });
  if (!claim.created) {
    if (claim.item.status === 'sent') return 'already-sent';
    const stale = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
    const retaken = await writeIfCondition(
      ctx.db,
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: key,
        UpdateExpression: 'SET claimedAt = :now',
        ConditionExpression: '#status = :sending AND claimedAt < :stale',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':now': now.toISOString(), ':sending': 'sending', ':stale': stale },
      }),
    );
    if (!retaken) return 'in-flight';
  }
  const token = unsubscribeToken(settings.unsubscribeSecret, { userId: job.userId, type: job.type });
  const unsubscribe = `${settings.apiUrl.replace(/\/$/, '')}/notifications/unsubscribe?token=${token}`;
  try {
    await settings.sender.send({
      from: job.from,
      to: job.to,
      subject: job.subject,
      text: `${job.text}\n\n--\nYou receive this because of your Podium notification settings (${job.type}).\nStop these e-mails: ${unsubscribe}\n`,
      headers: {
        // RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to this URL.
        'List-Unsubscribe': `<${unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Podium-Event': job.eventId,
      },
    });
  } catch (error) {
    await ctx.db.send(new DeleteCommand({ TableName: ctx.config.tableName, Key: key }));
    throw error;
  }
  await ctx.db.send(
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: key,
      UpdateExpression: 'SET #status = :sent, sentAt = :at',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sent': 'sent', ':at': ctx.now().toISOString() },
    }),
  );
  return 'sent';
}

/** The local outbox: each e-mail is delivered at once, in the publishing process (the SQS consumer's work, without the queue). */
export function immediateOutbox(ctx: PodiumContext, settings: MailDeliverySettings, log: (line: string) => void = () => {}): MailOutbox {
  return {
    async enqueue(jobs) {
      for (const job of jobs) {
        try {
          await deliverMail(ctx, settings, job);
        } catch (error) {
          // An e-mail that cannot go out never fails what caused it; the in-app notification stands.
          log(`e-mail ${job.eventId} to ${job.userId} failed: ${String(error)}`);
        }
      }
    },
  };
}
