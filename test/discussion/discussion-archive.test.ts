import { describe, expect, it } from 'vitest';
import { exportChallengeArchive, restoreChallengeArchive } from '#shared/exports/challenge-archive.ts';
import { listReports } from '#shared/discussion/moderation.ts';
import { listTopics, readTopic } from '#shared/discussion/topics.ts';
import { tissuenet } from '../api/api-harness.ts';
import { discussionServers } from './discussion-harness.ts';

const servers = discussionServers();

describe('the challenge archive', () => {
  it('carries the discussion into another Podium: topics, replies, the marked answer and the report queue', async () => {
    const api = await servers.start();
    const ada = await api.competitor('ada-archive@example.org');
    const asked = await api.json<{ id: string }>('POST', '/challenges/tissuenet/discussion/topics', ada, {
      title: 'Is the smoke set a sample of the test set?',
      category: 'data',
      body: 'Asking before I tune on it.',
    });
    const reply = await api.json<{ id: string }>('POST', `/challenges/tissuenet/discussion/topics/${asked.body.id}/replies`, api.organiser, { body: 'No.' });
    await api.json('PUT', `/admin/challenges/tissuenet/discussion/topics/${asked.body.id}/answer`, api.organiser, { replyId: reply.body.id });
    expect(
      (await api.json('POST', `/challenges/tissuenet/discussion/topics/${asked.body.id}/posts/${reply.body.id}/reports`, ada, { reason: 'Too short to help' }))
        .status,
    ).toBe(201);

    const restored = await servers.freshContext();
    await restoreChallengeArchive(restored, JSON.parse(JSON.stringify(await exportChallengeArchive(api.ctx, 'tissuenet', { pseudonymise: false }))));
    const challenge = await tissuenet();
    const organiser = { organiser: true };
    const listing = (ctx: typeof restored) => listTopics(ctx, challenge, { sort: 'activity', limit: 20 }, organiser);
    expect((await listing(restored)).topics).toHaveLength(1);
    expect(await listing(restored)).toEqual(await listing(api.ctx));
    const page = (ctx: typeof restored) => readTopic(ctx, challenge, asked.body.id, { limit: 20 }, organiser);
    expect((await page(restored)).replies).toHaveLength(1);
    expect(await page(restored)).toEqual(await page(api.ctx));
    const reports = (ctx: typeof restored) => listReports(ctx, 'tissuenet', { limit: 20 });
    expect(await reports(restored)).toEqual(await reports(api.ctx));
    expect(JSON.stringify(await reports(restored))).toContain('Too short to help');
  });
});
