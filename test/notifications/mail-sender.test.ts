import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodiumContext } from '#shared/context.ts';
import type { MailDeliverySettings, MailJob, MailSender } from '#shared/notifications/mail-delivery.ts';
import { MAIL_QUEUE, mailMessageBody } from '#shared/notifications/mail-queue.ts';
import { sendQueuedMails } from '#shared/notifications/send-queued-mails.ts';
import { localMailQueue } from '../../local/mail/local-mail-queue.ts';
import { startMailSink, type MailSink } from '../../local/mail/mail-sink.ts';
import { smtpMailSender } from '../../local/mail/smtp-mail-sender.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

/**
 * The mail sender's handler against a real table (dynalite) and a real SMTP sink (maildev): what
 * the mail-sender Lambda does with an SQS batch, and the local queue that stands for SQS.
 */
let fixture: StorageFixture;
let sink: MailSink;
let ctx: PodiumContext;
beforeAll(async () => {
  fixture = await startStorageFixture();
  sink = await startMailSink({ host: '127.0.0.1', smtpPort: 0, webPort: 0, mailDirectory: await mkdtemp(join(tmpdir(), 'podium-mail-test-')) });
  ctx = await fixture.freshContext();
}, 60_000);
afterAll(async () => {
  await sink?.close();
  await fixture?.close();
});

const job = (eventId: string, to: string): MailJob => ({
  eventId,
  type: 'submission.scored',
  challengeId: 'tissuenet',
  userId: `user-${to}`,
  to,
  from: 'no-reply@podium.local',
  subject: `[tissuenet] ${eventId}`,
  text: 'Your submission is SCORED.',
});
const settingsWith = (sender: MailSender): MailDeliverySettings => ({ sender, unsubscribeSecret: 'secret', apiUrl: 'http://127.0.0.1:8787' });
const smtp = () => smtpMailSender(sink.smtpHost, sink.smtpPort);
const mailTo = async (address: string) => (await sink.messages()).filter((mail) => mail.to.some((to) => to.address === address));
/** Fails its first `failures` sends, then sends over SMTP: a transient SES error. */
function flakySender(failures: number): MailSender {
  let left = failures;
  const inner = smtp();
  return {
    async send(mail) {
      if (left-- > 0) throw new Error('Throttling: Maximum sending rate exceeded');
      await inner.send(mail);
    },
  };
}

describe('the mail sender', () => {
  it('sends one e-mail when the same message is received twice, in one batch or in two', async () => {
    const body = mailMessageBody(job('submission:s1:SCORED', 'twice@example.org'));
    const first = await sendQueuedMails(ctx, settingsWith(smtp()), [
      { messageId: 'm1', body },
      { messageId: 'm2', body },
    ]);
    const again = await sendQueuedMails(ctx, settingsWith(smtp()), [{ messageId: 'm3', body }]);
    expect([first, again]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    const mails = await mailTo('twice@example.org');
    expect(mails.map((mail) => mail.subject)).toEqual(['[tissuenet] submission:s1:SCORED']);
    expect(mails[0]!.headers['x-podium-event']).toBe('submission:s1:SCORED');
    expect(mails[0]!.text).toContain('Stop these e-mails: http://127.0.0.1:8787/notifications/unsubscribe?token=');
  });

  it('reports only the failed message of a batch, and its next receive sends it', async () => {
    const failing = mailMessageBody(job('submission:s2:SCORED', 'flaky@example.org'));
    const fine = mailMessageBody(job('submission:s3:SCORED', 'fine@example.org'));
    const sender = flakySender(1);
    const outcome = await sendQueuedMails(ctx, settingsWith(sender), [
      { messageId: 'flaky', body: failing },
      { messageId: 'fine', body: fine },
    ]);
    expect(outcome).toEqual({ batchItemFailures: [{ itemIdentifier: 'flaky' }] });
    expect(await mailTo('flaky@example.org')).toHaveLength(0);
    expect(await mailTo('fine@example.org')).toHaveLength(1);
    expect(await sendQueuedMails(ctx, settingsWith(sender), [{ messageId: 'flaky', body: failing }])).toEqual({ batchItemFailures: [] });
    expect(await mailTo('flaky@example.org')).toHaveLength(1);
  });

  it('sends nothing for a malformed message and reports it failed, so it ends in the dead-letter queue', async () => {
    const lines: string[] = [];
    const outcome = await sendQueuedMails(
      ctx,
      settingsWith(smtp()),
      [
        { messageId: 'not-json', body: '{' },
        { messageId: 'bad-address', body: JSON.stringify({ ...job('e:bad', 'x@example.org'), to: 'not an address' }) },
      ],
      (line) => lines.push(line),
    );
    expect(outcome.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(['not-json', 'bad-address']);
    expect(lines.join('\n')).toMatch(/the body is not JSON[\s\S]*to: /);
    expect(await mailTo('x@example.org')).toHaveLength(0);
  });
});

describe('the local mail queue', () => {
  it('receives a failed message again until it is sent, once', async () => {
    const sender = flakySender(2);
    const queue = localMailQueue((messages) => sendQueuedMails(ctx, settingsWith(sender), messages), { redeliveryMs: 1 });
    const repeated = job('announcement:a1', 'retried@example.org');
    await queue.enqueue([repeated, repeated]);
    await queue.idle();
    expect(await mailTo('retried@example.org')).toHaveLength(1);
    expect(queue.deadLetters()).toEqual([]);
  });

  it('dead-letters a message after its last receive, having sent nothing', async () => {
    let receives = 0;
    const queue = localMailQueue(
      (messages) => {
        receives += messages.length;
        return sendQueuedMails(ctx, settingsWith(flakySender(Infinity)), messages);
      },
      { redeliveryMs: 1 },
    );
    await queue.enqueue([job('announcement:a2', 'never@example.org')]);
    await queue.idle();
    expect(receives).toBe(MAIL_QUEUE.maxReceiveCount);
    expect(queue.deadLetters().map((message) => JSON.parse(message.body).eventId)).toEqual(['announcement:a2']);
    expect(await mailTo('never@example.org')).toHaveLength(0);
  });
});
