import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSink } from '../../local/mail/mail-sink.ts';
import { startDiscussion, startTestMailSink, type DiscussionHarness } from '../discussion/discussion-harness.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { cliUser, TISSUENET_ANSWERS } from './run-cli.ts';

let fixture: StorageFixture;
let sink: MailSink;
let api: DiscussionHarness;
let server: ServerType;
let apiUrl: string;
beforeAll(async () => {
  fixture = await startStorageFixture();
  sink = await startTestMailSink();
  // The CLI checks its token against the real clock: the platform's clock is now.
  api = await startDiscussion(fixture, sink, undefined, new Date().toISOString());
  await new Promise<void>((resolve) => {
    server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
      apiUrl = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await sink.close();
  await fixture.close();
});

describe('podium discuss and podium notifications', () => {
  it('posts a question, reads it, replies, and lists the notification the reply caused', async () => {
    const ada = await cliUser(apiUrl);
    const bob = await cliUser(apiUrl);
    for (const [user, email] of [
      [ada, 'ada-cli@example.org'],
      [bob, 'bob-cli@example.org'],
    ] as const) {
      const login = await user.run(['login', '--email', email]);
      expect(login.stderr).toBe('');
      const join = await user.run(['join', 'tissuenet', '--yes', ...TISSUENET_ANSWERS]);
      expect(join.stderr).toBe('');
    }
    const posted = await ada.run([
      'discuss',
      'post',
      '--title',
      'Which level?',
      '--category',
      'data',
      '--body',
      'Level **0** or 1? <script>x</script>',
      '--json',
    ]);
    expect(posted.code).toBe(0);
    const topicId = posted.json<{ id: string }>().id;
    const list = await bob.run(['discuss', 'list', '--search', 'level']);
    expect(list.stdout).toContain('Which level?');
    expect((await bob.run(['discuss', 'reply', topicId, '--body', 'Level 0.'])).code).toBe(0);
    const shown = await bob.run(['discuss', 'show', topicId]);
    expect(shown.stdout).toContain('&lt;script>x&lt;/script>');
    expect(shown.stdout).toContain('Level 0.');
    const empty = await ada.run(['discuss', 'post', '--title', 'x']);
    expect(empty.code).toBe(2);
    const inbox = await ada.run(['notifications', '--mark-read']);
    expect(inbox.stdout).toContain('1 unread');
    expect(inbox.stdout).toContain('discussion.reply');
    expect((await ada.run(['notifications', '--json'])).json<{ unread: number }>().unread).toBe(0);
  });
});
