import type { SQSEvent } from 'aws-lambda';
import { contextFromEnv } from '#shared/context.ts';
import { createLogger } from '#shared/logger.ts';
import { FUNCTION_STORAGE } from '../function-storage.ts';
import { NOTIFICATION_ENV, requiredEnv, unsubscribeSecretFromEnv } from '#shared/notifications/notification-env.ts';
import { sendQueuedMails } from '#shared/notifications/send-queued-mails.ts';
import { sesMailSender } from '#shared/notifications/ses-mail-sender.ts';

// Built once per container: the secret is read at cold start, not per message.
const ctx = contextFromEnv(FUNCTION_STORAGE.mailSender);
const log = createLogger('pipeline');
const settings = { sender: sesMailSender(), unsubscribeSecret: await unsubscribeSecretFromEnv(), apiUrl: requiredEnv(process.env, NOTIFICATION_ENV.apiUrl) };

/** SQS (the mail queue) → one SES e-mail per message, at most once per event and recipient; failed messages come back. */
export const handler = async (event: SQSEvent) =>
  sendQueuedMails(
    ctx,
    settings,
    event.Records.map((record) => ({ messageId: record.messageId, body: record.body })),
    (line) => log.warn(line),
  );
