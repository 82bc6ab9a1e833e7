import { randomUUID } from 'node:crypto';
import type { MailJob, MailOutbox } from '#shared/notifications/mail-delivery.ts';
import { MAIL_QUEUE, mailMessageBody } from '#shared/notifications/mail-queue.ts';
import type { MailBatchOutcome, QueuedMailMessage } from '#shared/notifications/send-queued-mails.ts';

/** How long a failed message stays invisible locally before it is received again (SQS: the visibility timeout, 180 s). */
export const LOCAL_REDELIVERY_MS = 5_000;

export interface LocalMailQueue extends MailOutbox {
  /** Resolves once no message waits for a redelivery. */
  idle(): Promise<void>;
  /** Messages that failed their last receive: what the dead-letter queue holds on AWS. */
  deadLetters(): readonly QueuedMailMessage[];
  close(): void;
}

/**
 * The local stand-in for the SQS mail queue (there is no SQS emulator): each enqueued e-mail is a
 * message with an id and the same JSON body SQS carries, handed to the mail sender's handler in
 * batches of MAIL_QUEUE.batchSize; the messages it reports failed (partial batch response) are
 * received again after LOCAL_REDELIVERY_MS, and after MAIL_QUEUE.maxReceiveCount receives are
 * dead-lettered and logged. Delivery is at least once, as on AWS. One difference: the first
 * receive runs before `enqueue` returns, so the local API answers with its e-mails in the sink.
 */
export function localMailQueue(
  consume: (messages: QueuedMailMessage[]) => Promise<MailBatchOutcome>,
  options: { log?: (line: string) => void; redeliveryMs?: number } = {},
): LocalMailQueue {
  const log = options.log ?? (() => {});
  const receives = new Map<string, number>();
  const dead: QueuedMailMessage[] = [];
  const waiting = new Map<NodeJS.Timeout, Promise<void>>();
  const resolvers = new Map<NodeJS.Timeout, () => void>();

  const receive = async (messages: QueuedMailMessage[]) => {
    for (let start = 0; start < messages.length; start += MAIL_QUEUE.batchSize) {
      const batch = messages.slice(start, start + MAIL_QUEUE.batchSize);
      for (const message of batch) receives.set(message.messageId, (receives.get(message.messageId) ?? 0) + 1);
      let failed: Set<string>;
      try {
        failed = new Set((await consume(batch)).batchItemFailures.map((failure) => failure.itemIdentifier));
      } catch (error) {
        log(`mail sender failed on a batch of ${batch.length}: ${String(error)}`);
        failed = new Set(batch.map((message) => message.messageId));
      }
      const again: QueuedMailMessage[] = [];
      for (const message of batch) {
        if (!failed.has(message.messageId)) receives.delete(message.messageId);
        else if ((receives.get(message.messageId) ?? 0) >= MAIL_QUEUE.maxReceiveCount) {
          receives.delete(message.messageId);
          dead.push(message);
          log(`mail message ${message.messageId} failed ${MAIL_QUEUE.maxReceiveCount} receives: dead-lettered`);
        } else again.push(message);
      }
      if (again.length) redeliverLater(again);
    }
  };
  const redeliverLater = (messages: QueuedMailMessage[]) => {
    let resolve!: () => void;
    const done = new Promise<void>((settle) => (resolve = settle));
    const timer = setTimeout(() => {
      waiting.delete(timer);
      resolvers.delete(timer);
      void receive(messages).finally(resolve);
    }, options.redeliveryMs ?? LOCAL_REDELIVERY_MS);
    timer.unref();
    waiting.set(timer, done);
    resolvers.set(timer, resolve);
  };

  return {
    async enqueue(jobs: readonly MailJob[]) {
      await receive(jobs.map((job) => ({ messageId: randomUUID(), body: mailMessageBody(job) })));
    },
    async idle() {
      while (waiting.size) await Promise.all(waiting.values());
    },
    deadLetters: () => dead,
    close() {
      for (const [timer, resolve] of resolvers) {
        clearTimeout(timer);
        resolve();
      }
      waiting.clear();
      resolvers.clear();
    },
  };
}
