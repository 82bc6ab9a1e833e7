import { describe, expect, it } from 'vitest';
import { findSubmission } from '#shared/submissions/submission-record.ts';
import { discussionServers } from './discussion-harness.ts';

const servers = discussionServers();

type Export = {
  account: { email: string };
  registrations: { challengeId: string; email: string }[];
  submissions: { id: string }[];
  posts: { bodyMarkdown: string; earlierVersions?: unknown[] }[];
  notifications: { type: string }[];
};

describe('personal data', () => {
  it('exports everything held about a participant, then erases it: posts and submissions pseudonymised, the ranking kept, the audit log told', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-gdpr@example.org');
    const bob = await api.competitor('bob-gdpr@example.org');
    const topic = (
      await api.json<{ id: string }>('POST', '/challenges/tissuenet/discussion/topics', ada, { title: 'My question', category: 'general', body: 'drafft' })
    ).body;
    await api.json('PATCH', `/challenges/tissuenet/discussion/topics/${topic.id}/posts/${topic.id}`, ada, { body: 'draft' });
    const adaHandle = (await api.json<{ post: { author: { handle: string } } }>('GET', `/challenges/tissuenet/discussion/topics/${topic.id}`)).body.post.author
      .handle;
    await api.json('POST', `/challenges/tissuenet/discussion/topics/${topic.id}/replies`, bob, { body: 'An answer from Bob' });
    const submission = (await api.json<{ submission: { id: string } }>('POST', '/challenges/tissuenet/phases/learning/submissions', ada, { archiveBytes: 22 }))
      .body.submission;

    const exported = await api.json<Export>('GET', '/me/personal-data', ada);
    expect(exported.status).toBe(200);
    expect(exported.body.account.email).toBe('ada-gdpr@example.org');
    expect(exported.body.registrations).toEqual([expect.objectContaining({ challengeId: 'tissuenet', email: 'ada-gdpr@example.org' })]);
    expect(exported.body.submissions.map((s) => s.id)).toEqual([submission.id]);
    expect(exported.body.posts).toEqual([
      expect.objectContaining({ bodyMarkdown: 'draft', earlierVersions: [expect.objectContaining({ bodyMarkdown: 'drafft' })] }),
    ]);
    expect(exported.body.notifications.map((n) => n.type)).toEqual(['discussion.reply']);
    // Bob's reply is Bob's post, not Ada's (she holds only the notification that told her of it).
    expect(JSON.stringify(exported.body.posts)).not.toContain('An answer from Bob');

    expect((await api.json('POST', '/me/erasure', ada, { confirmEmail: 'someone@else.org' })).status).toBe(400);
    const erased = await api.json<{ posts: number; submissions: number; pseudonym: string }>('POST', '/me/erasure', ada, {
      confirmEmail: 'ada-gdpr@example.org',
    });
    expect(erased).toMatchObject({ status: 200, body: { posts: 1, submissions: 1, registrations: 1, notificationsDeleted: 1 } });
    // Asking again finishes nothing new and breaks nothing.
    expect((await api.json('POST', '/me/erasure', ada, { confirmEmail: 'ada-gdpr@example.org' })).status).toBe(200);

    const page = await api.json<{ author: { name: string }; post: { author: { name: string }; body: string } }>(
      'GET',
      `/challenges/tissuenet/discussion/topics/${topic.id}`,
    );
    expect(page.body.post).toMatchObject({ author: { name: 'Former participant' }, body: 'draft' });
    // Her @handle went with her name: a mention of it now tells nobody, and no post shows it.
    expect(page.body.post.author).not.toHaveProperty('handle');
    const mention = await api.json<{ id: string }>('POST', '/challenges/tissuenet/discussion/topics', bob, {
      title: 'Ping',
      body: `@${adaHandle} still there?`,
    });
    expect(mention.status).toBe(201);
    expect((await api.json<{ notifications: unknown[] }>('GET', '/me/notifications', ada)).body.notifications).toEqual([]);
    const organiserView = await api.json<{ participants: { email: string }[] }>('GET', '/admin/challenges/tissuenet/participants', api.organiser);
    expect(organiserView.body.participants.map((p) => p.email)).not.toContain('ada-gdpr@example.org');
    // The submission stays (its scores and rank would too), under the pseudonym.
    const kept = await api.json<Record<string, unknown>>('GET', `/admin/submissions/${submission.id}`, api.organiser);
    expect(kept.status).toBe(200);
    expect((await findSubmission(api.ctx, submission.id))?.submittedBy).toBe(erased.body.pseudonym);
    const audit = await api.json<{ entries: { action: string; details?: { pseudonym?: string } }[] }>(
      'GET',
      '/admin/challenges/tissuenet/audit-log',
      api.organiser,
    );
    expect(audit.body.entries.filter((entry) => entry.action === 'privacy.erasure')[0]).toMatchObject({ details: { pseudonym: erased.body.pseudonym } });
    const after = await api.json<Export>('GET', '/me/personal-data', ada);
    expect(JSON.stringify(after.body)).not.toContain('ada-gdpr@example.org');
    expect(after.body.posts).toEqual([]);
  });
});
