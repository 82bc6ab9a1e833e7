import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { settleTerminal } from '#shared/pipeline/finish-submission.ts';
import { writeRunOutcome } from '#shared/pipeline/run-outcome.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { transitionSubmission } from '#shared/submissions/submission-record.ts';
import { putLabels, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { tissuenet } from '../api/api-harness.ts';
import { API_URL, discussionServers } from './discussion-harness.ts';

const servers = discussionServers();

type Inbox = { unread: number; notifications: { id: string; type: string; title: string; read: boolean }[] };

describe('notifications', () => {
  it('an announcement reaches every TissueNet participant in the mail sink and the notification list, once', async () => {
    const api = await servers.start();
    const emails = ['p1-ann@example.org', 'p2-ann@example.org', 'p3-ann@example.org'];
    const tokens = await Promise.all(emails.map((email) => api.competitor(email)));
    const announced = await api.json<{ pinned: boolean; category: string; recipients: number; id: string }>(
      'POST',
      '/admin/challenges/tissuenet/announcements',
      api.organiser,
      {
        title: 'Final phase opens on 1 March',
        body: 'The final phase runs on the **GPU** runtime. <script>x()</script>',
        audience: { kind: 'all' },
      },
    );
    expect(announced.status).toBe(201);
    expect(announced.body).toMatchObject({ pinned: true, category: 'announcements', recipients: 3 });
    for (const [index, email] of emails.entries()) {
      const mails = await api.mailTo(email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toBe('[tissuenet] Final phase opens on 1 March');
      expect(mails[0]!.text).toContain('GPU');
      expect(mails[0]!.text).not.toContain('<script>');
      expect(mails[0]!.text).toContain(`${API_URL}/notifications/unsubscribe?token=`);
      const inbox = await api.json<Inbox>('GET', '/me/notifications', tokens[index]);
      expect(inbox.body).toMatchObject({ unread: 1, notifications: [{ type: 'announcement', title: 'Final phase opens on 1 March', read: false }] });
    }
    // The pinned announcement heads the discussion.
    const list = await api.json<{ topics: { id: string }[] }>('GET', '/challenges/tissuenet/discussion/topics');
    expect(list.body.topics[0]!.id).toBe(announced.body.id);
    // Marking read.
    const inbox = await api.json<Inbox>('GET', '/me/notifications', tokens[0]);
    expect((await api.json('POST', '/me/notifications/read', tokens[0], { ids: [inbox.body.notifications[0]!.id] })).body).toEqual({ marked: 1 });
    expect((await api.json('POST', '/me/notifications/read', tokens[0], { all: true })).body).toEqual({ marked: 0 });
    expect((await api.json<Inbox>('GET', '/me/notifications', tokens[0])).body.unread).toBe(0);
    // A participant may not announce.
    expect((await api.json('POST', '/admin/challenges/tissuenet/announcements', tokens[0], { title: 'x', body: 'y' })).status).toBe(403);
  });

  it('announces to one team only', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-team@example.org');
    await api.competitor('other-team@example.org');
    const team = await api.json<{ teamId: string }>('POST', '/challenges/tissuenet/teams', ada, { name: 'Slides' });
    expect(team.status).toBe(201);
    const sent = await api.json<{ recipients: number }>('POST', '/admin/challenges/tissuenet/announcements', api.organiser, {
      title: 'Your team',
      body: 'Only for you',
      audience: { kind: 'team', teamId: team.body.teamId },
      pinned: false,
    });
    expect(sent.body.recipients).toBe(1);
    expect(await api.mailTo('ada-team@example.org')).toHaveLength(1);
    expect(await api.mailTo('other-team@example.org')).toHaveLength(0);
  });

  it("a submission's SCORED e-mail arrives once, however often the terminal state is settled", async () => {
    const api = await servers.start();
    const labels = tissuenetLabels([0, 1, 2, 3]);
    await putLabels(api.ctx, 'tissuenet', 'test', labels.csv);
    const ada = await api.competitor('ada-scored@example.org');
    const created = await api.json<{ submission: { id: string } }>('POST', '/challenges/tissuenet/phases/learning/submissions', ada, { archiveBytes: 22 });
    const id = created.body.submission.id;
    for (const to of ['UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'SCORING'] as const) expect(await transitionSubmission(api.ctx, id, { to })).toBe(true);
    await api.ctx.s3.send(
      new PutObjectCommand({
        Bucket: api.ctx.config.predictionsBucket,
        Key: objectKeys.predictions(id, 1),
        Body: tissuenetPredictions(labels.ids, [0, 1, 2, 3]),
      }),
    );
    await writeRunOutcome(api.ctx.s3, api.ctx.config.predictionsBucket, { result: 'predicted', submissionId: id, attempt: 1, rows: 4 });
    expect(await runScoringJob(api.ctx, id, 1)).toMatchObject({ outcome: 'scored' });
    // The job-state event, delivered twice, and a reconciler pass: each settles the terminal state.
    await Promise.all([settleTerminal(api.ctx, undefined, id), settleTerminal(api.ctx, undefined, id)]);
    await settleTerminal(api.ctx, undefined, id);
    const mails = await api.mailTo('ada-scored@example.org');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain(`Submission ${id} SCORED`);
    expect(mails[0]!.text).toMatch(/public score is 1\b/);
    const inbox = await api.json<Inbox>('GET', '/me/notifications', ada);
    expect(inbox.body.notifications.filter((n) => n.type === 'submission.scored')).toHaveLength(1);
  });

  it('one-click unsubscribe turns that e-mail off; a forged token is refused and a replay changes nothing', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-unsub@example.org');
    await api.json('POST', '/admin/challenges/tissuenet/announcements', api.organiser, { title: 'First', body: 'one' });
    const link = /(http:\/\/\S+\/notifications\/unsubscribe\?token=\S+)/.exec((await api.mailTo('ada-unsub@example.org'))[0]!.text)![1]!;
    const path = link.slice(API_URL.length);
    // A GET (a link preview, a mail scanner) only shows a button.
    const page = await api.call('GET', path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect(
      (await api.json<{ preferences: Record<string, { email: boolean }> }>('GET', '/me/notification-preferences', ada)).body.preferences.announcement?.email,
    ).toBe(true);
    const token = new URL(link).searchParams.get('token')!;
    const forged = `${token.split('.')[0]}.${'A'.repeat(43)}`;
    expect((await api.json('POST', `/notifications/unsubscribe?token=${forged}`)).status).toBe(400);
    const done = await api.call('POST', path, undefined, 'List-Unsubscribe=One-Click', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(done.status).toBe(200);
    expect((await api.call('POST', path)).status).toBe(200);
    const preferences = (await api.json<{ preferences: Record<string, { email: boolean; inApp: boolean }> }>('GET', '/me/notification-preferences', ada)).body
      .preferences;
    expect(preferences.announcement).toEqual({ email: false, inApp: true });
    expect(preferences['submission.scored']).toEqual({ email: true, inApp: true });
    api.clock.advance(60_000);
    await api.json('POST', '/admin/challenges/tissuenet/announcements', api.organiser, { title: 'Second', body: 'two' });
    expect((await api.mailTo('ada-unsub@example.org')).map((mail) => mail.subject)).toEqual(['[tissuenet] First']);
    expect((await api.json<Inbox>('GET', '/me/notifications', ada)).body.notifications.map((n) => n.title)).toEqual(['Second', 'First']);
  });

  it('tells every participant once when the rules change, so nobody meets RULES_NOT_ACCEPTED untold', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-rules@example.org');
    const { descriptionMarkdown, rulesMarkdown, rulesVersion: _old, ...file } = await tissuenet();
    const update = { ...file, descriptionMarkdown, rulesMarkdown: `${rulesMarkdown}\n\nNew clause.` };
    expect((await api.json('PUT', '/admin/challenges/tissuenet', api.organiser, update)).status).toBe(200);
    // Saving the same definition again is no new event.
    expect((await api.json('PUT', '/admin/challenges/tissuenet', api.organiser, { ...update, title: 'TissueNet (renamed)' })).status).toBe(200);
    expect((await api.mailTo('ada-rules@example.org')).map((mail) => mail.subject)).toEqual([expect.stringContaining('rules of')]);
    const inbox = await api.json<Inbox>('GET', '/me/notifications', ada);
    expect(inbox.body.notifications.map((n) => n.type)).toEqual(['rules.changed']);
  });

  it('tells the team when someone joins it, once', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-join@example.org');
    const bob = await api.competitor('bob-join@example.org');
    const team = (await api.json<{ inviteCode: string }>('POST', '/challenges/tissuenet/teams', ada, { name: 'Stains' })).body;
    expect((await api.json('POST', '/challenges/tissuenet/teams/join', bob, { inviteCode: team.inviteCode })).status).toBe(200);
    expect((await api.json('POST', '/challenges/tissuenet/teams/join', bob, { inviteCode: team.inviteCode })).status).toBe(200);
    expect((await api.mailTo('ada-join@example.org')).map((mail) => mail.subject)).toEqual([expect.stringContaining('joined your team Stains')]);
    expect(await api.mailTo('bob-join@example.org')).toEqual([]);
    expect((await api.json<Inbox>('GET', '/me/notifications', ada)).body.notifications.map((n) => n.type)).toEqual(['team.join']);
  });

  it('tells a participant an @handle mentions once, edits included; code, e-mail addresses and unknown handles tell nobody', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-mention@example.org');
    const bob = await api.competitor('bob-mention@example.org');
    const first = await api.json<{ post: { author: { handle: string } } }>('POST', '/challenges/tissuenet/discussion/topics', ada, {
      title: 'Stain normalisation',
      body: 'Does anyone normalise stains?',
    });
    const handle = first.body.post.author.handle;
    expect(handle).toMatch(/^[a-z0-9]{2,}/);
    const body = `@${handle} have a look, and again @${handle}. Not \`@${handle}\`, not x@${handle}.org, not @nobody-here`;
    const topic = await api.json<{ id: string }>('POST', '/challenges/tissuenet/discussion/topics', bob, { title: 'Ping', body });
    expect(topic.status).toBe(201);
    expect((await api.json('PATCH', `/challenges/tissuenet/discussion/topics/${topic.body.id}/posts/${topic.body.id}`, bob, { body: `${body}!` })).status).toBe(
      200,
    );
    const inbox = await api.json<Inbox>('GET', '/me/notifications', ada);
    expect(inbox.body.notifications).toMatchObject([{ type: 'discussion.mention', title: expect.stringContaining('mentioned you in "Ping"') }]);
    expect((await api.mailTo('ada-mention@example.org')).map((mail) => mail.subject)).toEqual([expect.stringContaining('mentioned you')]);
    // Mentioning yourself tells nobody.
    await api.json('POST', `/challenges/tissuenet/discussion/topics/${topic.body.id}/replies`, ada, { body: `note to @${handle}` });
    expect((await api.json<Inbox>('GET', '/me/notifications', ada)).body.notifications).toHaveLength(1);
  });

  it('a hidden post or a muted author mentions nobody', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-hidden@example.org');
    const bob = await api.competitor('bob-hidden@example.org');
    const handle = (
      await api.json<{ post: { author: { handle: string } } }>('POST', '/challenges/tissuenet/discussion/topics', ada, { title: 'Hi', body: 'hi' })
    ).body.post.author.handle;
    const topic = await api.json<{ id: string }>('POST', '/challenges/tissuenet/discussion/topics', bob, { title: 'Spam', body: 'spam' });
    const path = `/challenges/tissuenet/discussion/topics/${topic.body.id}/posts/${topic.body.id}`;
    await api.json('POST', `/admin${path}/hide`, api.organiser, { reason: 'spam' });
    expect((await api.json('PATCH', path, bob, { body: `@${handle} spam` })).status).toBe(404);
    const bobId = (await api.json<{ account: { userId: string } }>('GET', '/me/personal-data', bob)).body.account.userId;
    const until = new Date(Date.parse(api.ctx.now().toISOString()) + 3_600_000).toISOString();
    expect((await api.json('PUT', `/admin/challenges/tissuenet/discussion/mutes/${bobId}`, api.organiser, { until, reason: 'spam' })).status).toBe(200);
    expect((await api.json('POST', '/challenges/tissuenet/discussion/topics', bob, { title: 'More', body: `@${handle}` })).status).toBe(403);
    expect((await api.json<Inbox>('GET', '/me/notifications', ada)).body.notifications).toEqual([]);
  });
});
