import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';

/** TissueNet's registration questions, answered (examples/tissuenet/challenge.yaml). */
const TISSUENET_ANSWERS = { affiliation: 'Institut Curie', country: 'France', 'data-use': true };

/**
 * The acceptance walk through the local platform as `npm start` runs it: the API under its
 * synthesized role (IAM parity), e-mail through the platform's own maildev.
 */
let platform: LocalPlatform;
beforeAll(async () => {
  platform = await startLocalPlatform({ persist: false, seedExamples: false, reconcileIntervalMs: 0 });
  await registerChallenge(platform.ctx, await loadChallenge('examples/tissuenet'));
}, 240_000);
afterAll(async () => {
  await platform?.close();
});

async function call<T = Record<string, unknown>>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${platform.apiUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const login = async (email: string, role = 'competitor') => (await call<{ token: string }>('POST', '/dev/login', undefined, { email, role })).body.token;

describe('the discussion through the local platform', () => {
  it('a competitor asks; an organiser answers, marks it answered and pins an announcement every TissueNet participant receives', async () => {
    const rules = (await call<{ version: string }>('GET', '/challenges/tissuenet/rules')).body.version;
    const emails = ['ada-local@example.org', 'bob-local@example.org', 'cy-local@example.org'];
    const tokens: string[] = [];
    for (const email of emails) {
      const token = await login(email);
      expect((await call('POST', '/challenges/tissuenet/registration', token, { rulesVersion: rules, answers: TISSUENET_ANSWERS })).status).toBe(200);
      tokens.push(token);
    }
    const organiser = await login('org-local@example.org', 'organiser');
    const question = await call<{ id: string }>('POST', '/challenges/tissuenet/discussion/topics', tokens[0], {
      title: 'Is the test set stained like the training set?',
      category: 'data',
      body: 'Same lab?',
    });
    expect(question.status).toBe(201);
    const answer = await call<{ id: string }>('POST', `/challenges/tissuenet/discussion/topics/${question.body.id}/replies`, organiser, {
      body: 'Yes, same lab.',
    });
    expect(answer.status).toBe(201);
    expect((await call('PUT', `/admin/challenges/tissuenet/discussion/topics/${question.body.id}/answer`, organiser, { replyId: answer.body.id })).status).toBe(
      200,
    );
    const announcement = await call<{ id: string; recipients: number }>('POST', '/admin/challenges/tissuenet/announcements', organiser, {
      title: 'Final phase: GPU runtime',
      body: 'The final phase runs on podium/pytorch-gpu:1.',
    });
    expect(announcement.body.recipients).toBe(3);
    const topics = (await call<{ topics: { id: string; pinned: boolean; answered: boolean }[] }>('GET', '/challenges/tissuenet/discussion/topics')).body.topics;
    expect(topics[0]).toMatchObject({ id: announcement.body.id, pinned: true });
    expect(topics.find((topic) => topic.id === question.body.id)).toMatchObject({ answered: true });

    const mail = await platform.mailSink.messages();
    for (const [index, email] of emails.entries()) {
      expect(mail.filter((m) => m.to.some((to) => to.address === email) && m.subject === '[tissuenet] Final phase: GPU runtime')).toHaveLength(1);
      const inbox = (await call<{ notifications: { type: string }[] }>('GET', '/me/notifications', tokens[index])).body;
      expect(inbox.notifications.map((n) => n.type)).toContain('announcement');
    }
  });
});
