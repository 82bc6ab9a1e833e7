import type { PodiumContext } from '../context.ts';
import { deliverMail, type MailDeliverySettings } from './mail-delivery.ts';
import { parseMailMessage } from './mail-queue.ts';

/** A message as the queue hands it over (an SQS record's id and body). */
export interface QueuedMailMessage {
  messageId: string;
  body: string;
}

/** SQS's partial batch response: only these messages are received again (and dead-lettered after the last receive). */
export interface MailBatchOutcome {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * The mail sender's work on one batch: each message sends at most one e-mail per event and
 * recipient (deliverMail's conditional claim), so a message received twice sends once. A message
 * whose send failed, whose claim another sender holds, or that is malformed is reported as failed:
 * the queue gives it again later, and after its last receive moves it to the dead-letter queue.
 */
export async function sendQueuedMails(
  ctx: PodiumContext,
  settings: MailDeliverySettings,
  messages: readonly QueuedMailMessage[],
  log: (line: string) => void = () => {},
): Promise<MailBatchOutcome> {
  const batchItemFailures: MailBatchOutcome['batchItemFailures'] = [];
  for (const message of messages) {
    try {
      const job = parseMailMessage(message.body);
      const outcome = await deliverMail(ctx, settings, job);
      if (outcome === 'in-flight') batchItemFailures.push({ itemIdentifier: message.messageId });
    } catch (error) {
      log(`mail message ${message.messageId} failed: ${String(error)}`);
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  return { batchItemFailures };
}
