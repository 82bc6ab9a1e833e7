import { immediateOutbox } from '#shared/notifications/mail-delivery.ts';
import { startMailSink, type MailSink } from '../../local/mail/mail-sink.ts';
import { smtpMailSender } from '../../local/mail/smtp-mail-sender.ts';
import { startApi, tissuenet, type ApiHarness } from '../api/api-harness.ts';
import { afterAll, beforeAll } from 'vitest';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const API_URL = 'http://127.0.0.1:8787';

export interface DiscussionHarness extends ApiHarness {
  sink: MailSink;
  organiser: string;
  json<T = Record<string, unknown>>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** The e-mails the sink received for one address. */
  mailTo(address: string): Promise<{ subject: string; text: string }[]>;
}

/** The TissueNet API with notifications wired to a real SMTP sink (maildev), as `npm start` wires them. */
export async function startDiscussion(
  fixture: StorageFixture,
  sink: MailSink,
  change?: Parameters<typeof tissuenet>[0],
  at?: string,
): Promise<DiscussionHarness> {
  const api = await startApi(fixture, [await tissuenet(change)], at);
  const unsubscribeSecret = 'test-unsubscribe-secret';
  api.ctx.notifications = {
    unsubscribeSecret,
    outbox: immediateOutbox(api.ctx, { sender: smtpMailSender(sink.smtpHost, sink.smtpPort), unsubscribeSecret, apiUrl: API_URL }),
  };
  const organiser = await api.login('org@example.org', 'organiser');
  const json = async <T>(method: string, path: string, token?: string, body?: unknown) => {
    const response = await api.call(method, path, token, body);
    return { status: response.status, body: (await response.json()) as T };
  };
  const mailTo = async (address: string) =>
    (await sink.messages()).filter((mail) => mail.to.some((to) => to.address === address)).map(({ subject, text }) => ({ subject, text }));
  return { ...api, sink, organiser, json, mailTo };
}

export async function startTestMailSink(): Promise<MailSink> {
  return startMailSink({ host: '127.0.0.1', smtpPort: 0, webPort: 0, mailDirectory: await mkdtemp(join(tmpdir(), 'podium-mail-test-')) });
}

/**
 * The storage fixture and mail sink one test file shares, started before its tests and closed after:
 * `start` is `startDiscussion` on them, `freshContext` a table and buckets of their own.
 */
export function discussionServers() {
  let fixture: StorageFixture;
  let sink: MailSink;
  beforeAll(async () => {
    fixture = await startStorageFixture();
    sink = await startTestMailSink();
  });
  afterAll(async () => {
    await sink.close();
    await fixture.close();
  });
  return {
    start: (change?: Parameters<typeof tissuenet>[0], at?: string) => startDiscussion(fixture, sink, change, at),
    freshContext: () => fixture.freshContext(),
  };
}
