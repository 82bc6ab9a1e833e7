import { describe, expect, it } from 'vitest';
import { discussionServers } from './discussion-harness.ts';

const servers = discussionServers();

type Topic = { id: string; title: string; category: string; pinned: boolean; locked: boolean; answered: boolean; replyCount: number; hidden: boolean };
type Post = {
  id: string;
  body: string;
  author: { name: string; role: string; badge?: string };
  answer?: boolean;
  hidden: boolean;
  history?: { body: string }[];
};
type TopicPage = Topic & { post: Post; replies: Post[] };

describe('discussion', () => {
  it('a competitor asks, an organiser answers with a badge, marks the answer and pins it; anyone reads', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-q@example.org');
    const asked = await api.json<TopicPage>('POST', '/challenges/tissuenet/discussion/topics', ada, {
      title: 'Which slide resolution is the test set?',
      category: 'data',
      body: 'Is the **test set** at level 0 or level 1?',
    });
    expect(asked.status).toBe(201);
    const topicId = asked.body.id;
    const answer = await api.json<Post>('POST', `/challenges/tissuenet/discussion/topics/${topicId}/replies`, api.organiser, {
      body: 'Level 0, as in training.',
    });
    expect(answer.status).toBe(201);
    expect(answer.body.author).toMatchObject({ role: 'organiser', badge: 'organiser' });
    expect((await api.json('PUT', `/admin/challenges/tissuenet/discussion/topics/${topicId}/answer`, api.organiser, { replyId: answer.body.id })).status).toBe(
      200,
    );
    expect((await api.json('PATCH', `/admin/challenges/tissuenet/discussion/topics/${topicId}`, api.organiser, { pinned: true })).status).toBe(200);

    // Anonymous readers see it (TissueNet is public), answered, with the answer marked.
    const read = await api.json<TopicPage>('GET', `/challenges/tissuenet/discussion/topics/${topicId}`);
    expect(read.body).toMatchObject({ answered: true, pinned: true, replyCount: 1, category: 'data' });
    expect(read.body.replies[0]).toMatchObject({ id: answer.body.id, answer: true, author: { badge: 'organiser' } });
    // The asker hears of the reply, in the app and by e-mail.
    const inbox = await api.json<{ unread: number; notifications: { type: string; title: string }[] }>('GET', '/me/notifications', ada);
    expect(inbox.body.unread).toBe(1);
    expect(inbox.body.notifications[0]).toMatchObject({ type: 'discussion.reply' });
    expect((await api.mailTo('ada-q@example.org')).map((mail) => mail.subject)).toEqual([expect.stringContaining('replied to "Which slide resolution')]);
    const audit = await api.json<{ entries: { action: string }[] }>('GET', '/admin/challenges/tissuenet/audit-log', api.organiser);
    expect(audit.body.entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['discussion.answer', 'discussion.pin']));
  });

  it('only registered participants post; announcements are for organisers; a locked topic takes no reply', async () => {
    const api = await servers.start();
    const stranger = await api.login('stranger@example.org');
    const refused = await api.json('POST', '/challenges/tissuenet/discussion/topics', stranger, { title: 'hi', category: 'general', body: 'hello' });
    expect(refused).toMatchObject({ status: 403, body: { error: 'RULES_NOT_ACCEPTED' } });
    expect((await api.json('POST', '/challenges/tissuenet/discussion/topics', undefined, { title: 'hi', category: 'general', body: 'x' })).status).toBe(401);
    const bob = await api.competitor('bob-l@example.org');
    expect(
      await api.json('POST', '/challenges/tissuenet/discussion/topics', bob, { title: 'News', category: 'announcements', body: 'fake news' }),
    ).toMatchObject({
      status: 403,
      body: { error: 'FORBIDDEN' },
    });
    const unknown = await api.json<{ message: string }>('POST', '/challenges/tissuenet/discussion/topics', bob, { title: 'x', category: 'random', body: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('general, data, submission-issues, announcements');
    const topic = await api.json<Topic>('POST', '/challenges/tissuenet/discussion/topics', bob, { title: 'Flame war', category: 'general', body: 'start' });
    expect((await api.json('PATCH', `/admin/challenges/tissuenet/discussion/topics/${topic.body.id}`, bob, { locked: true })).status).toBe(403);
    expect(
      (await api.json('PATCH', `/admin/challenges/tissuenet/discussion/topics/${topic.body.id}`, api.organiser, { locked: true, reason: 'off topic' })).status,
    ).toBe(200);
    expect(await api.json('POST', `/challenges/tissuenet/discussion/topics/${topic.body.id}/replies`, bob, { body: 'more' })).toMatchObject({
      status: 409,
      body: { error: 'INVALID_STATE' },
    });
    const page = await api.json<TopicPage>('GET', `/challenges/tissuenet/discussion/topics/${topic.body.id}`);
    expect(page.body).toMatchObject({ locked: true, replyCount: 0, replies: [] });
  });

  it('hostile markdown is made harmless for every reader; a 1 MB body is refused and nothing is written', async () => {
    const api = await servers.start();
    const eve = await api.competitor('eve-x@example.org');
    const hostile = [
      '<script>alert(1)</script>',
      '<iframe src="https://evil.example/"></iframe>',
      '<img src=x onerror="steal()">',
      '[click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=) and [ok](https://example.org/a)',
      '![pixel](https://tracker.example/p.gif)',
      '[ref]: javascript:alert(2)',
      '```html',
      '<script>kept in code</script>',
      '```',
      'title\u202Eevil',
    ].join('\n');
    const created = await api.json<TopicPage>('POST', '/challenges/tissuenet/discussion/topics', eve, {
      title: 'Bidi\u202Etitle\u0007',
      category: 'general',
      body: hostile,
    });
    expect(created.status).toBe(201);
    const body = (await api.json<TopicPage>('GET', `/challenges/tissuenet/discussion/topics/${created.body.id}`)).body;
    expect(body.title).toBe('Bidititle');
    const text = body.post.body;
    expect(text).not.toMatch(/<script>alert|<iframe|<img|javascript:|data:text|\u202E/);
    expect(text).toContain('&lt;script>alert(1)&lt;/script>');
    expect(text).toContain('[ok](https://example.org/a)');
    expect(text).toContain('[image: pixel](https://tracker.example/p.gif)');
    expect(text).not.toContain('![pixel]');
    expect(text).toContain('<script>kept in code</script>');

    const huge = await api.json<{ error: string; message: string }>('POST', '/challenges/tissuenet/discussion/topics', eve, {
      title: 'dump',
      category: 'general',
      body: 'x'.repeat(1024 * 1024),
    });
    expect(huge.status).toBe(400);
    expect(huge.body.message).toContain('posts are limited to 65536 bytes');
    const list = await api.json<{ topics: Topic[] }>('GET', '/challenges/tissuenet/discussion/topics');
    expect(list.body.topics.map((topic) => topic.title)).toEqual(['Bidititle']);
  });

  it('a flood of posts meets the per-minute limit with the next allowed time; nothing is lost or half-written', async () => {
    const api = await servers.start((challenge) => {
      challenge.discussion = { ...challenge.discussion, postsPerMinute: 3, postsPerDay: 5 };
    });
    const flood = await api.competitor('flood@example.org');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        api.json<{ error?: string; details?: { nextAllowedAt: string } }>('POST', '/challenges/tissuenet/discussion/topics', flood, {
          title: `post ${index}`,
          category: 'general',
          body: 'spam',
        }),
      ),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(3);
    const refused = results.filter((result) => result.status === 429);
    expect(refused).toHaveLength(5);
    expect(refused[0]!.body).toMatchObject({ error: 'QUOTA_EXCEEDED', details: { nextAllowedAt: '2026-06-01T12:01:00.000Z' } });
    expect((await api.json<{ topics: Topic[] }>('GET', '/challenges/tissuenet/discussion/topics?limit=100')).body.topics).toHaveLength(3);
    // The next minute lets two more through, then the day is full until midnight UTC.
    api.clock.advance(60_000);
    const next = [];
    for (let index = 0; index < 3; index++) {
      next.push(
        await api.json<{ details?: { nextAllowedAt: string } }>('POST', '/challenges/tissuenet/discussion/topics', flood, {
          title: `later ${index}`,
          category: 'general',
          body: 'x',
        }),
      );
    }
    expect(next.map((result) => result.status)).toEqual([201, 201, 429]);
    expect(next[2]!.body.details?.nextAllowedAt).toBe('2026-06-02T00:00:00.000Z');
    expect((await api.json<{ topics: Topic[] }>('GET', '/challenges/tissuenet/discussion/topics?limit=100')).body.topics).toHaveLength(5);
  });

  it('sorts by activity or newest with pinned first, filters by category, searches titles and replies, and pages', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-s@example.org');
    const open = async (title: string, category: string, body: string) => {
      api.clock.advance(1_000);
      return (await api.json<Topic>('POST', '/challenges/tissuenet/discussion/topics', ada, { title, category, body })).body.id;
    };
    const first = await open('Stain normalisation', 'data', 'Does anyone normalise H&E stains?');
    const second = await open('Timeout on submission', 'submission-issues', 'My run hits the time limit.');
    const third = await open('Team up?', 'general', 'Looking for teammates in Paris.');
    api.clock.advance(1_000);
    await api.json('POST', `/challenges/tissuenet/discussion/topics/${first}/replies`, api.organiser, { body: 'Macenko works well for pathology slides.' });
    const titles = async (query: string) =>
      (await api.json<{ topics: Topic[] }>('GET', `/challenges/tissuenet/discussion/topics${query}`)).body.topics.map((t) => t.id);
    expect(await titles('?sort=activity')).toEqual([first, third, second]);
    expect(await titles('?sort=newest')).toEqual([third, second, first]);
    await api.json('PATCH', `/admin/challenges/tissuenet/discussion/topics/${second}`, api.organiser, { pinned: true });
    expect(await titles('?sort=newest')).toEqual([second, third, first]);
    expect(await titles('?category=data')).toEqual([first]);
    expect(await titles('?q=macenko')).toEqual([first]);
    expect(await titles('?q=TIME%20limit')).toEqual([second]);
    expect(await titles('?q=pathologie')).toEqual([]);
    const pageOne = await api.json<{ topics: Topic[]; nextCursor?: string }>('GET', '/challenges/tissuenet/discussion/topics?limit=2');
    expect(pageOne.body.topics).toHaveLength(2);
    const pageTwo = await api.json<{ topics: Topic[]; nextCursor?: string }>(
      'GET',
      `/challenges/tissuenet/discussion/topics?limit=2&cursor=${pageOne.body.nextCursor}`,
    );
    expect([...pageOne.body.topics, ...pageTwo.body.topics].map((topic) => topic.id).sort()).toEqual([first, second, third].sort());
    expect((await api.json('GET', '/challenges/tissuenet/discussion/topics?cursor=forged')).status).toBe(400);
  });

  it('edits within the window keep a history organisers read; hide, restore and mute are audit-logged', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-e@example.org');
    const bob = await api.competitor('bob-e@example.org');
    const topic = (await api.json<Topic>('POST', '/challenges/tissuenet/discussion/topics', ada, { title: 'Typo', category: 'general', body: 'frist version' }))
      .body;
    const path = `/challenges/tissuenet/discussion/topics/${topic.id}`;
    expect((await api.json('PATCH', `${path}/posts/${topic.id}`, bob, { body: 'hijack' })).status).toBe(404);
    expect((await api.json('PATCH', `${path}/posts/${topic.id}`, ada, { body: 'first version' })).status).toBe(200);
    expect((await api.json<TopicPage>('GET', path, bob)).body.post).not.toHaveProperty('history');
    expect((await api.json<TopicPage>('GET', path, api.organiser)).body.post.history).toEqual([expect.objectContaining({ body: 'frist version' })]);
    api.clock.advance(31 * 60_000);
    expect(await api.json('PATCH', `${path}/posts/${topic.id}`, ada, { body: 'too late' })).toMatchObject({ status: 409, body: { error: 'INVALID_STATE' } });

    const rude = (await api.json<Post>('POST', `${path}/replies`, bob, { body: 'rude words' })).body;
    const report = await api.json('POST', `${path}/posts/${rude.id}/reports`, ada, { reason: 'insulting' });
    expect(report.status).toBe(201);
    const queue = await api.json<{ reports: { postId: string; reason: string }[] }>('GET', '/admin/challenges/tissuenet/discussion/reports', api.organiser);
    expect(queue.body.reports).toEqual([
      expect.objectContaining({
        postId: rude.id,
        reason: 'insulting',
        topicTitle: 'Typo',
        post: { excerpt: 'rude words', author: expect.any(String), hidden: false },
      }),
    ]);
    expect(
      (await api.json('POST', `/admin/challenges/tissuenet/discussion/topics/${topic.id}/posts/${rude.id}/hide`, api.organiser, { reason: 'insult' })).status,
    ).toBe(200);
    // The queue shows the post hidden, its text still there for organisers; a long post is cut to its first 200 characters, on one line.
    api.clock.advance(1000); // replies read in the order written: the long one after the rude one
    const long = (await api.json<Post>('POST', `${path}/replies`, bob, { body: `${'spam '.repeat(30)}\n\n${'more '.repeat(60)}` })).body;
    expect((await api.json('POST', `${path}/posts/${long.id}/reports`, ada, { reason: 'spam' })).status).toBe(201);
    const hiddenQueue = await api.json<{ reports: { postId: string; post: { excerpt: string; hidden: boolean } }[] }>(
      'GET',
      '/admin/challenges/tissuenet/discussion/reports',
      api.organiser,
    );
    expect(hiddenQueue.body.reports.find((each) => each.postId === rude.id)!.post).toMatchObject({ excerpt: 'rude words', hidden: true });
    const longExcerpt = hiddenQueue.body.reports.find((each) => each.postId === long.id)!.post.excerpt;
    expect(longExcerpt).toBe(`${'spam '.repeat(30)}${'more '.repeat(10)}`.slice(0, 200).trimEnd() + '…');
    const seenByAda = (await api.json<TopicPage>('GET', path, ada)).body.replies[0]!;
    expect(seenByAda).toMatchObject({ hidden: true, body: expect.stringContaining('hidden by an organiser') });
    expect((await api.json<TopicPage>('GET', path, api.organiser)).body.replies[0]).toMatchObject({ hidden: true, body: 'rude words' });
    expect(
      (await api.json('POST', `/admin/challenges/tissuenet/discussion/topics/${topic.id}/posts/${rude.id}/restore`, api.organiser, { reason: 'appeal' }))
        .status,
    ).toBe(200);
    expect((await api.json<TopicPage>('GET', path, ada)).body.replies[0]).toMatchObject({ hidden: false, body: 'rude words' });

    const bobId = (await api.json<{ userId: string }>('GET', '/me', bob)).body.userId;
    const until = '2026-06-08T12:00:00.000Z';
    expect((await api.json('PUT', `/admin/challenges/tissuenet/discussion/mutes/${bobId}`, api.organiser, { until, reason: 'cool down' })).status).toBe(200);
    expect(await api.json('POST', `${path}/replies`, bob, { body: 'again' })).toMatchObject({ status: 403, body: { details: { mutedUntil: until } } });
    const audit = (await api.json<{ entries: { action: string; target: string }[] }>('GET', '/admin/challenges/tissuenet/audit-log', api.organiser)).body
      .entries;
    expect(audit.map((entry) => entry.action)).toEqual(expect.arrayContaining(['discussion.hide', 'discussion.restore', 'discussion.mute']));
  });
});
