import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerRegistrationQuestions, seriousViolations, signInThroughBrowser, startWebHarness, type WebHarness } from './web-harness.ts';

// page.evaluate bodies run in the browser; these name its globals for the type checker (module-scoped).
declare const document: { documentElement: { lang: string; scrollWidth: number }; activeElement: { textContent: string | null } | null };

let harness: WebHarness;

beforeAll(async () => {
  harness = await startWebHarness();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

describe('the French interface', () => {
  it('renders the competitor flow in French: list, sign-in page, join, data, submit, leaderboard', async () => {
    const page = await (await harness.context({ locale: 'fr-FR' })).newPage();
    await page.goto('/');
    await page.getByRole('cell', { name: 'ouverte' }).first().waitFor();
    await page.getByRole('link', { name: /TissueNet/ }).click();
    await page.getByRole('link', { name: 'Participer' }).click();
    await signInThroughBrowser(page, 'marie@example.fr', { buttonName: /^Se connecter pour participer$/ });
    await page.getByRole('group', { name: 'Questions d’inscription' }).waitFor();
    await answerRegistrationQuestions(page, 'Institut Pasteur');
    await page.getByLabel(/J’ai lu et j’accepte le règlement/).check();
    await page.getByRole('button', { name: 'Accepter le règlement et participer' }).click();
    await page.getByTestId('registration-status').filter({ hasText: 'Vous participez à ce challenge' }).waitFor();
    await page.getByRole('link', { name: 'Données' }).click();
    await page.getByRole('button', { name: /Télécharger submission_format\.csv/ }).waitFor();
    await page.getByRole('link', { name: 'Soumettre' }).click();
    await page.getByTestId('quota').filter({ hasText: '3 soumissions sur 3 restantes aujourd’hui' }).waitFor();
    await page.getByRole('link', { name: 'Classement' }).click();
    await expect(page.getByTestId('board-direction').textContent()).resolves.toBe('Plus haut est meilleur');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
  });

  it('renders the organiser console in French, and switches language from the header', async () => {
    const page = await (await harness.context({ locale: 'fr-FR' })).newPage();
    await page.goto('/');
    await signInThroughBrowser(page, 'org@example.org', { organiser: true });
    await page.goto('/console/tissuenet/phases');
    const learning = page.getByRole('region', { name: 'Learning phase' });
    await learning.getByRole('button', { name: 'Suspendre les soumissions' }).click();
    await learning.getByTestId('phase-action-learning').filter({ hasText: 'Les soumissions sont suspendues.' }).waitFor();
    await learning.getByRole('button', { name: 'Reprendre les soumissions' }).click();
    await learning.getByTestId('phase-action-learning').filter({ hasText: 'Les soumissions sont rouvertes.' }).waitFor();
    await page.getByLabel('Langue').selectOption('en');
    await learning.getByRole('button', { name: 'Pause submissions' }).waitFor();
  });
});

describe('accessibility', () => {
  const pages = [
    '/',
    '/c/tissuenet',
    '/c/tissuenet/data',
    '/c/tissuenet/evaluation',
    '/c/tissuenet/format',
    '/c/tissuenet/runtime',
    '/c/tissuenet/rules',
    '/c/tissuenet/leaderboard',
    '/c/tissuenet/join',
    '/c/tissuenet/team',
    '/c/tissuenet/submit',
    '/c/tissuenet/submissions',
    '/console/tissuenet/participants',
    '/console/tissuenet/submissions',
    '/console/tissuenet/teams',
    '/console/tissuenet/phases',
    '/console/tissuenet/logs',
    '/console/tissuenet/health',
  ];

  it('has no serious or critical axe-core violation on the main pages, signed in as an organiser who joined', async () => {
    // axe is injected as a script: the test's own browser profile lets it past the page's CSP.
    const page = await (await harness.context({ bypassCSP: true })).newPage();
    await page.goto('/c/tissuenet/join');
    await signInThroughBrowser(page, 'axe-org@example.org', { organiser: true, buttonName: /^Sign in to join$/ });
    await answerRegistrationQuestions(page);
    await page.getByLabel(/I have read and accept the rules/).check();
    await page.getByRole('button', { name: 'Accept the rules and join' }).click();
    await page.getByTestId('registration-status').waitFor();
    const found: Record<string, string[]> = {};
    for (const path of pages) {
      await page.goto(path);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      const violations = await seriousViolations(page);
      if (violations.length > 0) found[path] = violations;
    }
    expect(found).toEqual({});
  }, 180_000);

  it('fits a 390-pixel-wide phone screen without sideways scrolling of the page, and is usable with the keyboard', async () => {
    const context = await harness.context();
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/', '/c/tissuenet', '/c/tissuenet/evaluation', '/c/tissuenet/leaderboard', '/c/tissuenet/join']) {
      await page.goto(path);
      await page.locator('main h1').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    }
    // Keyboard: the first Tab reaches the skip link, Enter on a tab link opens it.
    await page.goto('/c/tissuenet');
    await page.locator('main h1').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.getByRole('link', { name: 'Rules' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/c\/tissuenet\/rules$/);
  });
});
