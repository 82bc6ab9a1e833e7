import * as z from 'zod';
import { PodiumError } from '../errors.ts';
import type { MailJob } from './mail-delivery.ts';
import { NOTIFICATION_TYPES } from './notification-event.ts';

/**
 * The mail queue's delivery settings, one definition for the SQS queue the platform stack
 * synthesizes and for the local queue that stands for it (local/mail/local-mail-queue.ts).
 */
export const MAIL_QUEUE = {
  /** Receives before a message moves to the dead-letter queue (and the alarm fires). */
  maxReceiveCount: 5,
  /** Messages one sender invocation takes; failures are reported one by one (partial batch response). */
  batchSize: 10,
  /** Longer than the sender's timeout, so a message is never sent by two invocations at once. */
  visibilityTimeoutSeconds: 180,
} as const;

/** One message of the queue: one event to one recipient, the whole e-mail (the sender reads nothing else). */
const mailMessageSchema = z
  .object({
    eventId: z.string().min(1).max(200),
    type: z.enum(NOTIFICATION_TYPES),
    challengeId: z.string().min(1),
    userId: z.string().min(1),
    to: z.email(),
    from: z.email(),
    subject: z.string().min(1).max(1000),
    text: z.string().max(200_000),
  })
  .strict();

export const mailMessageBody = (job: MailJob): string => JSON.stringify(mailMessageSchema.parse(job));

/** A queue message's e-mail, or a clear error naming what is wrong with it (a malformed message is never sent). */
export function parseMailMessage(body: string): MailJob {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new PodiumError('VALIDATION_FAILED', 'mail message: the body is not JSON');
  }
  const parsed = mailMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    throw new PodiumError('VALIDATION_FAILED', `mail message: ${issues}`);
  }
  return parsed.data;
}

/** The queue's name: deterministic, so a phase stack's reminder function addresses it without a reference to the platform stack. */
export const mailQueueName = (challengeId: string) => `podium-${challengeId}-mail`;
