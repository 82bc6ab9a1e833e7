import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MailJob, MailOutbox } from '#shared/notifications/mail-delivery.ts';
import { mailQueueName, parseMailMessage } from '#shared/notifications/mail-queue.ts';

/** SendMessageBatch's limits: ten entries, 256 KiB in all. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface LocalSqsEndpoint {
  /** The URL a job's PODIUM_MAIL_QUEUE_URL names locally: the SQS client sends to the queue URL's host. */
  queueUrlOf(challengeId: string): string;
  close(): Promise<void>;
}

interface BatchEntry {
  Id?: unknown;
  MessageBody?: unknown;
}

/**
 * Where a job process queues e-mails locally (there is no SQS emulator): an HTTP endpoint that
 * answers SendMessageBatch in SQS's JSON protocol, the one call `sqsMailOutbox` makes, and puts
 * each message on the local mail queue, so a rescore job's e-mails reach the mail sink as the
 * Lambdas' do. A body the mail sender could not read is refused per entry (SenderFault), as the
 * sender would dead-letter it. Only the challenge's mail queue is answered; any other call fails.
 * It listens on the stack's host only; unlike the storage proxies it checks no signature, so code
 * on the job's network could queue an e-mail here, never on AWS (the SQS endpoint needs the role).
 */
export async function startLocalSqsEndpoint(outbox: MailOutbox, host: string): Promise<LocalSqsEndpoint> {
  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    };
    void handle(request)
      .then((body) => answer(200, body))
      .catch((error: unknown) =>
        answer(400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: error instanceof Error ? error.message : String(error) }),
      );
  });
  const handle = async (request: IncomingMessage) => {
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || target !== 'AmazonSQS.SendMessageBatch')
      throw new Error(`the local mail queue answers SendMessageBatch only, not ${String(target)}`);
    const input = JSON.parse(await readBody(request)) as { QueueUrl?: unknown; Entries?: unknown };
    const queueName = typeof input.QueueUrl === 'string' ? new URL(input.QueueUrl).pathname.split('/').at(-1) : undefined;
    if (!queueName || !/^podium-.+-mail$/.test(queueName)) throw new Error(`no such queue: ${String(input.QueueUrl)}`);
    const entries = Array.isArray(input.Entries) ? (input.Entries as BatchEntry[]) : [];
    if (entries.length === 0 || entries.length > MAX_ENTRIES) throw new Error(`a batch holds 1 to ${MAX_ENTRIES} entries, not ${entries.length}`);
    const accepted: { entry: BatchEntry; job: MailJob }[] = [];
    const failed: { Id: string; SenderFault: true; Code: string; Message: string }[] = [];
    for (const entry of entries) {
      try {
        const job = parseMailMessage(String(entry.MessageBody));
        if (mailQueueName(job.challengeId) !== queueName) throw new Error(`an e-mail of ${job.challengeId} on ${queueName}`);
        accepted.push({ entry, job });
      } catch (error) {
        failed.push({
          Id: String(entry.Id),
          SenderFault: true,
          Code: 'InvalidParameterValue',
          Message: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (accepted.length) await outbox.enqueue(accepted.map(({ job }) => job));
    return {
      Successful: accepted.map(({ entry }) => ({
        Id: String(entry.Id),
        MessageId: randomUUID(),
        // The SDK checks each message's digest.
        MD5OfMessageBody: createHash('md5').update(String(entry.MessageBody)).digest('hex'),
      })),
      Failed: failed,
    };
  };
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    queueUrlOf: (challengeId) => `http://${host}:${port}/000000000000/${mailQueueName(challengeId)}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new Error(`a batch of more than ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
