import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { answerRegistrationQuestions, signInThroughBrowser, startWebHarness, type WebHarness } from './web-harness.ts';

// page.evaluate bodies run in the browser; these name its globals for the type checker (module-scoped).
declare const localStorage: { getItem(key: string): string | null };
declare const window: object;

let harness: WebHarness;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  harness = await startWebHarness();
  context = await harness.context();
  page = await context.newPage();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

describe('a competitor in the browser', () => {
  it('sees the challenge list with each phase and its dates at /', async () => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Challenges' }).textContent()).resolves.toBe('Challenges');
    const tissuenet = page.locator('li.card', { hasText: 'TissueNet' });
    await tissuenet.getByRole('cell', { name: 'Learning phase' }).waitFor();
    expect(await tissuenet.textContent()).toMatch(/Learning phase\s*open\s*Jan 1, 2026.*UTC/);
    expect(await page.locator('li.card', { hasText: 'VisioMel' }).count()).toBe(1);
  });

  it('signs in with the authorization code flow and PKCE, and comes back signed in', async () => {
    await signInThroughBrowser(page, 'ada@example.org');
    expect(new URL(page.url()).pathname).toBe('/');
    const session = await page.evaluate(() => JSON.parse(localStorage.getItem('podium.session') ?? 'null') as { email: string; refreshToken?: string } | null);
    expect(session).toMatchObject({ email: 'ada@example.org', refreshToken: expect.any(String) });
  });

  it('reads the challenge tabs: overview, evaluation with its direction, submission format, runtime', async () => {
    await page.getByRole('link', { name: /TissueNet/ }).click();
    await page.getByRole('heading', { level: 1, name: /TissueNet/ }).waitFor();
    await page
      .getByRole('heading', { name: /TissueNet: detect lesions/ })
      .nth(1)
      .waitFor();
    await page.getByRole('link', { name: 'Evaluation' }).click();
    await expect(page.getByTestId('metric-direction').textContent()).resolves.toBe('Higher is better');
    await page.getByRole('link', { name: 'Submission format' }).click();
    await page.getByRole('heading', { name: 'main.py' }).waitFor();
    expect(await page.locator('pre').nth(1).textContent()).toContain('filename,0,1,2,3');
    await page.getByRole('link', { name: 'Runtime' }).click();
    await page.getByRole('cell', { name: 'torch', exact: true }).waitFor();
  });

  it('is told to join before downloading, joins after answering the registration questions, then downloads a checked file', async () => {
    await page.getByRole('link', { name: 'Submit' }).click();
    await page.getByText('Join the challenge first').waitFor();
    await page.getByRole('link', { name: 'Join', exact: true }).first().click();
    // Every question the organisers ask is answered (TissueNet's challenge.yaml defines them).
    await page.getByText('I accept the data-use agreement', { exact: false }).waitFor();
    await answerRegistrationQuestions(page);
    await page.getByLabel(/I have read and accept the rules/).check();
    await page.getByRole('button', { name: 'Accept the rules and join' }).click();
    await expect(page.getByTestId('registration-status').textContent()).resolves.toContain('You joined this challenge');

    await page.getByRole('link', { name: 'Data' }).click();
    const row = page.getByRole('row', { name: /submission_format\.csv/ });
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: /Download/ }).click()]);
    expect(download.suggestedFilename()).toBe('submission_format.csv');
    await row.getByText('checksum verified').waitFor();
    const listed = (await row.locator('code.checksum').getAttribute('title'))!;
    expect(
      createHash('sha256')
        .update(await readFile((await download.path())!))
        .digest('hex'),
    ).toBe(listed);
  });

  it('submits the baseline folder, zipped in the browser, and sees it SCORED on the leaderboard without a reload', async () => {
    await page.getByRole('link', { name: 'Submit' }).click();
    await expect(page.getByTestId('quota').textContent()).resolves.toContain('3 of 3 submissions left today');
    await page.locator('#archive-folder').setInputFiles(resolve('examples/tissuenet/baseline'));
    await page.getByTestId('archive-ready').waitFor();
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.locator('#upload-progress').waitFor();
    // From here on no navigation reloads the page: a marker on window would vanish with a reload.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await page
      .getByTestId('submission-status')
      .filter({ hasText: /QUEUED|RUNNING|SCORING|SCORED/ })
      .waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: 'Leaderboard' }).click();
    const myRow = page.locator('tr.mine');
    await myRow.waitFor({ timeout: 180_000 });
    expect(await myRow.textContent()).toMatch(/your team/);
    expect(await page.getByTestId('board-direction').textContent()).toBe('Higher is better');
    // The team's score over time: a chart with a text alternative, its table one key press away.
    const history = page.locator('figure.history');
    await history.locator('svg[role=img]').waitFor({ timeout: 60_000 });
    expect(await history.locator('svg').getAttribute('aria-label')).toMatch(/Score history, 1 points?, best \d/);
    await history.locator('summary').focus();
    await page.keyboard.press('Enter');
    await history.getByRole('columnheader', { name: 'Public score' }).waitFor();
    await page.getByRole('link', { name: 'My submissions' }).click();
    await page.locator('span.status.SCORED').waitFor();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  }, 300_000);

  it('shows an API refusal as its message, never a blank page', async () => {
    await page.goto('/c/no-such-challenge');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/NOT_FOUND: .*no-such-challenge/);
  });

  it("renders an organiser's hostile markdown inert: no script runs, no handler or javascript: link survives", async () => {
    const hostile = [
      '# Overview',
      '<script>window.pwned = "script"</script>',
      '<img src="x" onerror="window.pwned = \'img\'">',
      '[click](javascript:window.pwned=1)',
      '<iframe src="https://example.org"></iframe>',
      '<a href="https://example.org/paper">the paper</a>',
    ].join('\n\n');
    // The API's answer is replaced in the browser: the page renders what any challenge could say.
    await page.route('**/challenges/tissuenet', async (route) => {
      const answer = await route.fetch();
      const challenge = (await answer.json()) as { pages: Record<string, string> };
      await route.fulfill({ response: answer, json: { ...challenge, description: hostile, pages: { ...challenge.pages, overview: hostile } } });
    });
    await page.goto('/c/tissuenet');
    await page.getByRole('link', { name: 'the paper' }).waitFor();
    const markdown = (await page.locator('.markdown').innerHTML()).toLowerCase();
    expect(markdown).not.toMatch(/<script|onerror|javascript:|<iframe/);
    expect(await page.getByRole('link', { name: 'the paper' }).getAttribute('rel')).toBe('noopener noreferrer');
    expect(await page.evaluate(() => (window as { pwned?: unknown }).pwned)).toBeUndefined();
    await page.unroute('**/challenges/tissuenet');
  });

  it('signs out, and the session is gone', async () => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('podium.session'))).toBeNull();
  });
});
