import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startLocalPlatform } from '../local/platform.ts';
import { localSettings } from '../local/local-config.ts';
import { ensureWebAppBuilt } from '../local/web/web-app-build.ts';

/**
 * `npm run web:screenshots`: the tour's screenshots (docs/WEB.md), taken from the local platform in
 * memory with Debian's Chromium, after a competitor joined TissueNet and its baseline was scored.
 */
const OUT = resolve('docs/web');
const chromiumPath = process.env.PODIUM_CHROMIUM ?? '/usr/bin/chromium';
const work = await mkdtemp(join(tmpdir(), 'podium-screenshots-'));
const webAppDir = await ensureWebAppBuilt((line) => console.log(line));
const platform = await startLocalPlatform({ persist: false, webAppDir, settings: { ...localSettings(), dataDir: join(work, 'platform') } });
const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
await mkdir(OUT, { recursive: true });

async function signIn(page: Page, email: string, organiser = false) {
  await page
    .getByRole('button', { name: /^Sign in/ })
    .first()
    .click();
  await page.locator('#email').fill(email);
  if (organiser) await page.locator('input[name=organiser]').check();
  await page.locator('button[type=submit]').click();
  await page.getByTestId('signed-in-as').waitFor();
}
async function shoot(page: Page, name: string) {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false });
  console.log(`  docs/web/${name}.png`);
}

try {
  const context = await browser.newContext({ baseURL: platform.apiUrl, viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto('/');
  await page.locator('li.card').first().waitFor();
  await shoot(page, 'challenge-list');
  await page.goto('/c/tissuenet/join');
  await signIn(page, 'ada@example.org');
  await page.locator('fieldset input[type=text]').first().fill('Institut Curie');
  await page.locator('fieldset input[autocomplete=country-name]').fill('France');
  await page.locator('fieldset select').first().selectOption('Pathologist');
  for (const box of await page.locator('fieldset input[type=checkbox]').all()) await box.check();
  await page.getByLabel(/I have read and accept the rules/).check();
  await shoot(page, 'join');
  await page.getByRole('button', { name: 'Accept the rules and join' }).click();
  await page.getByTestId('registration-status').waitFor();
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.locator('.markdown').waitFor();
  await shoot(page, 'overview');
  await page.getByRole('link', { name: 'Data' }).click();
  await page.locator('table.files').first().waitFor();
  await shoot(page, 'data');
  await page.getByRole('link', { name: 'Evaluation' }).click();
  await shoot(page, 'evaluation');
  await page.getByRole('link', { name: 'Submit' }).click();
  await page.locator('#archive-folder').setInputFiles(resolve('examples/tissuenet/baseline'));
  await page.getByTestId('archive-ready').waitFor();
  await page.getByRole('button', { name: 'Submit', exact: true }).click();
  await page.getByTestId('submission-status').filter({ hasText: 'SCORED' }).waitFor({ timeout: 300_000 });
  await shoot(page, 'submit');
  await page.getByRole('link', { name: 'Leaderboard' }).click();
  await page.locator('tr.mine').waitFor();
  await page.locator('figure.history svg').waitFor({ timeout: 60_000 });
  await shoot(page, 'leaderboard');
  await page.getByRole('link', { name: 'My submissions' }).click();
  await page.locator('span.status.SCORED').waitFor();
  await shoot(page, 'my-submissions');

  const phone = await browser.newContext({ baseURL: platform.apiUrl, viewport: { width: 390, height: 844 }, locale: 'fr-FR' });
  const phonePage = await phone.newPage();
  await phonePage.goto('/c/tissuenet/evaluation');
  await phonePage.getByTestId('metric-direction').waitFor();
  await shoot(phonePage, 'phone-french');

  const organiser = await (await browser.newContext({ baseURL: platform.apiUrl, viewport: { width: 1280, height: 800 } })).newPage();
  await organiser.goto('/');
  await signIn(organiser, 'org@example.org', true);
  await organiser.goto('/console/tissuenet/participants');
  await organiser.locator('#participant-status').selectOption('approved');
  await organiser.locator('dl.answers').first().waitFor();
  await shoot(organiser, 'console-participants');
  await organiser.goto('/console/tissuenet/submissions');
  await organiser.locator('table').first().waitFor();
  await shoot(organiser, 'console-submissions');
  await organiser.goto('/console/tissuenet/phases');
  await organiser.getByTestId('publication-final').waitFor();
  await organiser.getByRole('region', { name: 'Final test' }).getByRole('button', { name: 'Publish…' }).click();
  await shoot(organiser, 'console-publish');

  // The discussion: Ada asks, the organiser answers (marked as the answer, topic pinned) and announces.
  await page.goto('/c/tissuenet/discussion');
  await page.getByLabel('Title', { exact: true }).fill('Which magnification level should main.py read?');
  await page.locator('#topic-category').selectOption('data');
  await page.getByLabel('Message').fill('The slides have several levels. Is **level 0** needed, or is level 2 enough for the tiles?');
  await page.getByRole('button', { name: 'Post topic' }).click();
  await page.getByRole('heading', { name: 'Which magnification level should main.py read?' }).waitFor();
  const topicPath = new URL(page.url()).pathname;
  await organiser.goto(topicPath);
  await organiser
    .getByLabel('Your reply')
    .fill('Level 2 is enough: the annotations were made at that level. See `submission_format.csv` for the expected rows.');
  await organiser.getByRole('button', { name: 'Reply', exact: true }).click();
  await organiser.getByRole('button', { name: 'Mark as answer' }).click();
  await organiser.locator('.answer-mark').waitFor();
  await organiser.getByRole('button', { name: 'Pin', exact: true }).click();
  await organiser.getByRole('button', { name: 'Unpin' }).waitFor();
  await organiser.goto('/c/tissuenet/discussion');
  await organiser.locator('#announce-title').fill('Final phase opens on 1 March');
  await organiser.locator('#announce-body').fill('The final phase runs on the **GPU** runtime. Test your code with `podium test-submission --container`.');
  await organiser.getByRole('button', { name: 'Announce' }).click();
  await organiser.getByRole('status').filter({ hasText: 'Sent to' }).waitFor();
  await page.goto('/c/tissuenet/discussion');
  await page.locator('li.topic').nth(1).waitFor();
  await shoot(page, 'discussion');
  await page.goto(topicPath);
  await page.locator('.answer-mark').waitFor();
  await shoot(page, 'discussion-topic');
  await organiser.goto(topicPath);
  await organiser.locator('.answer-mark').waitFor();
  await shoot(organiser, 'discussion-moderation');
  await page.goto('/notifications');
  await page.locator('li.notification').first().waitFor();
  await shoot(page, 'notifications');
  await page.goto('/notifications/settings');
  await page.locator('table').waitFor();
  await shoot(page, 'notification-settings');
  await organiser.goto('/console/tissuenet/teams');
  await organiser
    .getByRole('button', { name: /^Disqualify / })
    .first()
    .click();
  await organiser
    .getByRole('dialog')
    .getByLabel(/Reason/)
    .fill('shared accounts');
  await shoot(organiser, 'console-teams');
  await organiser.goto('/console/tissuenet/health');
  await organiser.getByTestId('health-learning').waitFor();
  await shoot(organiser, 'console-health');
  await organiser.goto('/console/tissuenet/logs');
  await organiser.getByTestId('audit-entry').first().waitFor();
  await shoot(organiser, 'console-logs');
} finally {
  await browser.close();
  await platform.close();
  await rm(work, { recursive: true, force: true });
}
