import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { MailJob, MailOutbox } from './mail-delivery.ts';
import { mailMessageBody } from './mail-queue.ts';

/** SendMessageBatch takes at most ten messages. */
const SQS_BATCH = 10;

/**
 * The AWS outbox: one SQS message per event and recipient, sent by the mail-sender Lambda. A
 * message SQS refuses fails the publish (its caller retries, and publishing is idempotent).
 */
export function sqsMailOutbox(queueUrl: string, client: SQSClient = new SQSClient({})): MailOutbox {
  return {
    async enqueue(jobs: readonly MailJob[]) {
      for (let start = 0; start < jobs.length; start += SQS_BATCH) {
        const batch = jobs.slice(start, start + SQS_BATCH);
        const result = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((job, index) => ({ Id: String(index), MessageBody: mailMessageBody(job) })),
          }),
        );
        if (result.Failed?.length) {
          const failed = result.Failed.map((entry) => `${batch[Number(entry.Id)]?.eventId} to ${batch[Number(entry.Id)]?.userId}: ${entry.Message}`);
          throw new Error(`the mail queue refused ${failed.length} e-mail(s): ${failed.join('; ')}`);
        }
      }
    },
  };
}
