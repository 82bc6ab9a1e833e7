import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { devUserId } from '#shared/identity/dev-issuer.ts';
import { answerRegistrationQuestions, signInThroughBrowser, startWebHarness, type WebHarness } from './web-harness.ts';

// page.evaluate bodies run in the browser; these name its globals for the type checker (module-scoped).
declare const localStorage: { getItem(key: string): string | null };
declare const document: { documentElement: { scrollWidth: number } };

let harness: WebHarness;
let competitor: Page;
let organiser: Page;

beforeAll(async () => {
  harness = await startWebHarness();
  competitor = await (await harness.context()).newPage();
  organiser = await (await harness.context()).newPage();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

/** An API call from the competitor's page, with the token the web app keeps. */
async function callAsCompetitor(path: string, body: unknown): Promise<{ status: number; error?: string }> {
  return competitor.evaluate(
    async ({ path, body }) => {
      const { idToken } = JSON.parse(localStorage.getItem('podium.session')!) as { idToken: string };
      const response = await fetch(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, error: ((await response.json()) as { error?: string }).error };
    },
    { path, body },
  );
}

describe('an organiser in the browser', () => {
  it('approves a VisioMel participant who answered the registration questions', async () => {
    await competitor.goto('/c/visiomel/join');
    await signInThroughBrowser(competitor, 'grace@example.org', { buttonName: /^Sign in to join$/ });
    await answerRegistrationQuestions(competitor, 'Gustave Roussy');
    await competitor.getByLabel(/I have read and accept the rules/).check();
    await competitor.getByRole('button', { name: 'Accept the rules and join' }).click();
    await expect(competitor.getByTestId('registration-status').textContent()).resolves.toContain("waits for the organisers' approval");

    await organiser.goto('/');
    await signInThroughBrowser(organiser, 'org@example.org', { organiser: true });
    await organiser.goto('/c/visiomel');
    await organiser.getByRole('link', { name: 'Organiser console' }).click();
    const row = organiser.getByRole('row', { name: new RegExp(devUserId('grace@example.org')) });
    await row.getByRole('button', { name: 'Approve' }).click();
    await row.waitFor({ state: 'detached' });

    await competitor.reload();
    await expect(competitor.getByTestId('registration-status').textContent()).resolves.toContain('You joined this challenge');
  });

  it('rejects another VisioMel participant after confirming, with a reason the participant is told', async () => {
    const applicant = await (await harness.context()).newPage();
    await applicant.goto('/c/visiomel/join');
    await signInThroughBrowser(applicant, 'mallory@example.org', { buttonName: /^Sign in to join$/ });
    // Waits for the questions to render before answering them (filling them at once raced the form under load).
    await answerRegistrationQuestions(applicant, 'Nowhere Inc.');
    await applicant.getByLabel(/I have read and accept the rules/).check();
    await applicant.getByRole('button', { name: 'Accept the rules and join' }).click();
    await applicant.getByTestId('registration-status').waitFor();

    await organiser.goto('/console/visiomel/participants');
    const row = organiser.getByRole('row', { name: /mallory@example\.org/ });
    await row.getByRole('button', { name: 'Reject…' }).click();
    const dialog = organiser.getByRole('dialog', { name: 'Reject mallory@example.org?' });
    await dialog.getByLabel(/Reason, told to the participant/).fill('not a research affiliation');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await row.waitFor({ state: 'detached' });
    await organiser.getByLabel('Status').selectOption('rejected');
    await organiser.getByRole('row', { name: /mallory@example\.org.*not a research affiliation/ }).waitFor();

    await applicant.reload();
    await expect(applicant.getByTestId('registration-status').textContent()).resolves.toContain('The organisers declined your registration');
    await applicant.context().close();
  });

  it('pauses and resumes a phase: submissions are refused while paused', async () => {
    await competitor.goto('/c/tissuenet/join');
    await answerRegistrationQuestions(competitor);
    await competitor.getByLabel(/I have read and accept the rules/).check();
    await competitor.getByRole('button', { name: 'Accept the rules and join' }).click();
    await competitor.getByTestId('registration-status').waitFor();

    await organiser.goto('/console/tissuenet/phases');
    const learning = organiser.getByRole('region', { name: 'Learning phase' });
    await learning.getByRole('button', { name: 'Pause submissions' }).click();
    await learning.getByTestId('phase-action-learning').filter({ hasText: 'Submissions are paused.' }).waitFor();
    await expect(callAsCompetitor('/challenges/tissuenet/phases/learning/submissions', { archiveBytes: 100 })).resolves.toEqual({
      status: 409,
      error: 'SUBMISSIONS_PAUSED',
    });

    await learning.getByRole('button', { name: 'Resume submissions' }).click();
    await learning.getByTestId('phase-action-learning').filter({ hasText: 'Submissions are open again.' }).waitFor();
    await expect(callAsCompetitor('/challenges/tissuenet/phases/learning/submissions', { archiveBytes: 100 })).resolves.toMatchObject({ status: 201 });
  });

  it('filters the audit log to the pause it just made: the resume is left out, the filters are labelled form fields', async () => {
    await organiser.goto('/console/tissuenet/logs');
    const entries = organiser.getByTestId('audit-entry');
    await entries.filter({ hasText: 'phase.resume' }).first().waitFor();
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await organiser.getByLabel('Action', { exact: true }).fill('phase.pause');
    await organiser.getByLabel('From (day, UTC)').fill(day(-1));
    await organiser.getByLabel('To (day included, UTC)').fill(day(0));
    await organiser.getByRole('button', { name: 'Apply filters' }).click();
    await entries.filter({ hasText: 'phase.pause' }).filter({ hasText: 'learning' }).first().waitFor();
    await expect(entries.filter({ hasText: 'phase.resume' }).count()).resolves.toBe(0);
    expect(new Set(await entries.locator('td:nth-child(3)').allTextContents())).toEqual(new Set(['phase.pause']));

    await organiser.getByLabel('Log', { exact: true }).selectOption('access');
    await expect(organiser.getByLabel('Action', { exact: true }).count()).resolves.toBe(0);
    await organiser.getByLabel('Dataset', { exact: true }).waitFor();
  });

  it('disqualifies and reinstates a team after confirming each with a reason, on a phone-sized screen', async () => {
    await organiser.setViewportSize({ width: 390, height: 844 });
    await organiser.goto('/console/tissuenet/teams');
    const team = organiser
      .getByRole('row')
      .filter({ has: organiser.getByRole('button', { name: /^Disqualify / }) })
      .first();
    await team.waitFor();
    expect(await organiser.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const teamId = (await team.locator('code').textContent())!;
    const row = organiser.getByTestId(`team-${teamId}`);
    await row.getByRole('button', { name: /^Disqualify / }).click();
    const disqualify = organiser.getByRole('dialog', { name: /^Disqualify .*\?$/ });
    await expect(disqualify.getByRole('button', { name: 'Disqualify' }).isDisabled()).resolves.toBe(true);
    await disqualify.getByLabel(/Reason/).fill('shared accounts');
    await disqualify.getByRole('button', { name: 'Disqualify' }).click();
    await organiser.getByTestId('team-action').filter({ hasText: 'is disqualified.' }).waitFor();
    await row.filter({ hasText: 'shared accounts' }).waitFor();

    await row.getByRole('button', { name: /^Reinstate / }).click();
    const reinstate = organiser.getByRole('dialog', { name: /^Reinstate .*\?$/ });
    await reinstate.getByLabel(/Reason/).fill('appeal upheld');
    await reinstate.getByRole('button', { name: 'Reinstate' }).click();
    await organiser.getByTestId('team-action').filter({ hasText: 'is reinstated.' }).waitFor();
    await row.filter({ hasText: 'Competing' }).waitFor();
  });

  it('shows the health of each phase: queue, runs in flight, failure rate and GPU-hours', async () => {
    await organiser.goto('/console/tissuenet/health');
    const learning = organiser.getByTestId('health-learning');
    await learning.waitFor();
    await expect(learning.getByRole('rowheader').textContent()).resolves.toBe('Learning phase');
    await organiser.getByRole('columnheader', { name: 'Failure rate' }).waitFor();
    await organiser.getByRole('columnheader', { name: 'Training GPU-hours' }).waitFor();
    expect(await organiser.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await organiser.setViewportSize({ width: 1280, height: 800 });
  });

  it('publishes the final phase only after confirming (with a reason, as it has not closed)', async () => {
    await organiser.goto('/console/tissuenet/phases');
    const final = organiser.getByRole('region', { name: 'Final test' });
    await expect(final.getByTestId('publication-final').textContent()).resolves.toMatch(/^not published/);
    await final.getByRole('button', { name: 'Publish…' }).click();
    const dialog = final.getByRole('dialog', { name: 'Publish Final test?' });
    await expect(dialog.getByRole('button', { name: 'Publish now' }).isDisabled()).resolves.toBe(true);
    await dialog.getByLabel(/needs a reason/).fill('demo: results day');
    await dialog.getByRole('button', { name: 'Publish now' }).click();
    await final.getByTestId('phase-action-final').filter({ hasText: 'The board is published.' }).waitFor();
    await final
      .getByTestId('publication-final')
      .filter({ hasText: /^published/ })
      .waitFor();

    await organiser.getByRole('link', { name: 'Access and audit logs' }).click();
    await organiser
      .getByText(/demo: results day/)
      .first()
      .waitFor();
  });

  it('keeps the console from competitors', async () => {
    await competitor.goto('/console/tissuenet');
    await expect(competitor.getByRole('alert').textContent()).resolves.toContain('for organisers');
  });
});
