import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailJob } from '#shared/notifications/mail-delivery.ts';
import { sqsMailOutbox } from '#shared/notifications/sqs-mail-outbox.ts';
import { startLocalSqsEndpoint, type LocalSqsEndpoint } from '../../local/mail/local-sqs-endpoint.ts';

const queued: MailJob[] = [];
let endpoint: LocalSqsEndpoint;
// As a job process builds it: no endpoint of its own, the queue URL's host is where it sends.
const client = new SQSClient({
  region: 'eu-west-3',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  logger: { ...console, warn: () => {} },
});

beforeAll(async () => {
  endpoint = await startLocalSqsEndpoint({ enqueue: async (jobs) => void queued.push(...jobs) }, '127.0.0.1');
});
afterAll(async () => {
  client.destroy();
  await endpoint.close();
});

const mail = (userId: string): MailJob => ({
  eventId: 'rescore#r-1#s-1',
  type: 'rescore.done',
  challengeId: 'tissuenet',
  userId,
  to: `${userId}@example.org`,
  from: 'challenge@tissuenet.example.org',
  subject: '[tissuenet] Submission s-1 was rescored (learning)',
  text: 'Its public score is now 0.75.',
});

describe('the local stand-in for the mail queue that jobs send to', () => {
  it('takes the SDK outbox’s batches (more than one SendMessageBatch) onto the local mail queue', async () => {
    queued.length = 0;
    const jobs = Array.from({ length: 12 }, (_, index) => mail(`user-${index}`));
    await sqsMailOutbox(endpoint.queueUrlOf('tissuenet'), client).enqueue(jobs);
    expect(queued).toEqual(jobs);
  });

  it('refuses, entry by entry, a message the mail sender could not read or one of another challenge', async () => {
    queued.length = 0;
    const result = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: endpoint.queueUrlOf('tissuenet'),
        Entries: [
          { Id: 'good', MessageBody: JSON.stringify(mail('user-a')) },
          { Id: 'bad', MessageBody: JSON.stringify({ ...mail('user-b'), to: 'not an address' }) },
          { Id: 'other', MessageBody: JSON.stringify({ ...mail('user-c'), challengeId: 'other' }) },
        ],
      }),
    );
    expect(result.Successful?.map((entry) => entry.Id)).toEqual(['good']);
    expect(result.Failed?.map((entry) => [entry.Id, entry.SenderFault])).toEqual([
      ['bad', true],
      ['other', true],
    ]);
    expect(result.Failed?.[0]?.Message).toContain('to:');
    expect(queued.map((job) => job.userId)).toEqual(['user-a']);
  });

  it('fails the outbox when the queue refuses a message, so the publisher retries', async () => {
    await expect(sqsMailOutbox(endpoint.queueUrlOf('tissuenet'), client).enqueue([{ ...mail('user-d'), challengeId: 'other' }])).rejects.toThrow(
      /refused 1 e-mail/,
    );
  });
});
