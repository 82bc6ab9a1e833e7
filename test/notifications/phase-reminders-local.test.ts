import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { manualClock } from '../support/storage-fixture.ts';

/**
 * The phase reminders as `npm start` fires them: the schedules read from TissueNet's synthesized
 * phase stacks, fired once the stack's clock (PODIUM_NOW's seam) passes their time, the reminder
 * function run under its synthesized role, e-mails through the mail queue's stand-in to maildev.
 */
let platform: LocalPlatform;
// After the learning phase opened (2026-01-01), before its closing reminder (2027-02-28T00:00Z).
const clock = manualClock('2027-02-27T12:00:00Z');
beforeAll(async () => {
  platform = await startLocalPlatform({ persist: false, seedExamples: false, reconcileIntervalMs: 0, clock: clock.now });
  await registerChallenge(platform.ctx, await loadChallenge('examples/tissuenet'));
  // Synthesizes TissueNet's stacks (cached on disk), whose schedules the scheduler reads.
  await platform.iam?.refresh();
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
const login = async (email: string) => (await call<{ token: string }>('POST', '/dev/login', undefined, { email, role: 'competitor' })).body.token;
const mailTo = async (address: string) => (await platform.mailSink.messages()).filter((mail) => mail.to.some((to) => to.address === address));
const inbox = async (token: string) => (await call<{ notifications: { type: string; title: string }[] }>('GET', '/me/notifications', token)).body.notifications;

describe('phase reminders on the local stack', () => {
  it('tells each participant once, in the app and by e-mail as their preferences say, when the clock passes a schedule', async () => {
    const rules = (await call<{ version: string }>('GET', '/challenges/tissuenet/rules')).body.version;
    const [ada, bob] = [await login('ada-reminder@example.org'), await login('bob-reminder@example.org')];
    for (const token of [ada, bob])
      expect(
        (
          await call('POST', '/challenges/tissuenet/registration', token, {
            rulesVersion: rules,
            answers: { affiliation: 'Institut Curie', country: 'France', 'data-use': true },
          })
        ).status,
      ).toBe(200);
    // Bob wants no e-mail about closing phases, but still sees them in the app.
    expect((await call('PATCH', '/me/notification-preferences', bob, { 'phase.closing': { email: false } })).status).toBe(200);

    // The learning phase's opening is past: the first check fires it (twice checked, told once).
    expect((await platform.phaseReminders.tick()).map((schedule) => schedule.input)).toEqual([
      { challengeId: 'tissuenet', phaseId: 'learning', reminder: 'opening' },
    ]);
    expect(await platform.phaseReminders.tick()).toEqual([]);
    expect((await mailTo('ada-reminder@example.org')).map((mail) => mail.subject)).toEqual(['[tissuenet] Phase learning is open']);

    // Nothing more until the clock passes 24 hours before the learning phase closes.
    expect(await platform.phaseReminders.tick()).toEqual([]);
    clock.set('2027-02-28T00:00:01Z');
    expect((await platform.phaseReminders.tick()).map((schedule) => schedule.input.reminder)).toEqual(['closing']);
    expect(await platform.phaseReminders.tick()).toEqual([]);
    await platform.mailQueue.idle();

    const closing = '[tissuenet] Phase learning closes in 24 hours';
    expect((await mailTo('ada-reminder@example.org')).map((mail) => mail.subject)).toEqual(['[tissuenet] Phase learning is open', closing]);
    expect((await mailTo('bob-reminder@example.org')).map((mail) => mail.subject)).toEqual(['[tissuenet] Phase learning is open']);
    for (const token of [ada, bob]) {
      expect((await inbox(token)).map((notification) => notification.type)).toEqual(['phase.closing', 'phase.opening']);
    }
  }, 120_000);

  it('sends one e-mail when the same event is queued twice', async () => {
    const job = {
      eventId: 'submission:twice:SCORED',
      type: 'submission.scored' as const,
      challengeId: 'tissuenet',
      userId: 'user-twice',
      to: 'twice-local@example.org',
      from: 'no-reply@podium.local',
      subject: '[tissuenet] Submission twice SCORED',
      text: 'Scored.',
    };
    await platform.mailQueue.enqueue([job]);
    await platform.mailQueue.enqueue([job, job]);
    await platform.mailQueue.idle();
    expect(await mailTo('twice-local@example.org')).toHaveLength(1);
  });
});
