import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailJob } from '#shared/notifications/mail-delivery.ts';
import { NOTIFICATION_ENV, notificationChannelFromEnv } from '#shared/notifications/notification-env.ts';
import { startLocalSqsEndpoint, type LocalSqsEndpoint } from '../../local/mail/local-sqs-endpoint.ts';

// Secrets Manager's stand-in: refuses the first read (a non-retried error), answers the next ones.
let secretReads = 0;
let secrets: Server;
let queue: LocalSqsEndpoint;
const queued: MailJob[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  secrets = createServer((request, response) => {
    request.resume();
    secretReads++;
    response.writeHead(secretReads === 1 ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(secretReads === 1 ? { __type: 'ResourceNotFoundException', message: 'not yet' } : { SecretString: 'the-secret' }));
  });
  await new Promise<void>((resolve) => secrets.listen(0, '127.0.0.1', resolve));
  queue = await startLocalSqsEndpoint({ enqueue: async (jobs) => void queued.push(...jobs) }, '127.0.0.1');
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-3',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
  });
});
afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => secrets.close(resolve));
  await queue.close();
});

describe('the notification channel a Lambda or job builds from its environment', () => {
  it('is absent without a bound mail queue, and fails the init when the API’s secret is not bound', () => {
    expect(notificationChannelFromEnv({ unsubscribeSecret: true }, {})).toBeUndefined();
    expect(() => notificationChannelFromEnv({ unsubscribeSecret: true }, { [NOTIFICATION_ENV.mailQueueUrl]: queue.queueUrlOf('tissuenet') })).toThrow(
      NOTIFICATION_ENV.unsubscribeSecretArn,
    );
  });

  it('reads nothing at init: the secret on first use, again after a failed read, then kept; e-mails go to the bound queue', async () => {
    const env = { [NOTIFICATION_ENV.mailQueueUrl]: queue.queueUrlOf('tissuenet'), [NOTIFICATION_ENV.unsubscribeSecretArn]: 'arn:aws:secretsmanager:x' };
    const channel = notificationChannelFromEnv({ unsubscribeSecret: true }, env)!;
    expect(secretReads).toBe(0);
    const secret = channel.unsubscribeSecret as () => Promise<string>;
    await expect(secret()).rejects.toThrow('not yet');
    await expect(secret()).resolves.toBe('the-secret');
    await expect(secret()).resolves.toBe('the-secret');
    expect(secretReads).toBe(2);

    const job: MailJob = {
      eventId: 'rescore#r-1#s-1',
      type: 'rescore.done',
      challengeId: 'tissuenet',
      userId: 'user-a',
      to: 'a@example.org',
      from: 'challenge@tissuenet.example.org',
      subject: '[tissuenet] rescored',
      text: 'Its public score is now 0.75.',
    };
    await channel.outbox.enqueue([job]);
    expect(queued).toEqual([job]);
  });
});
