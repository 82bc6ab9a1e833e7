import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from '../../local/platform.ts';
import { localSettings } from '../../local/local-config.ts';
import { ensureWebAppBuilt } from '../../local/web/web-app-build.ts';

// page.evaluate bodies run in the browser; these name its globals for the type checker (module-scoped).
declare const window: object;
declare const document: object;

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Debian's Chromium (scripts/setup-system.sh installs it); browsers cannot be downloaded here. */
export const CHROMIUM = process.env.PODIUM_CHROMIUM ?? '/usr/bin/chromium';

export interface WebHarness {
  platform: LocalPlatform;
  browser: Browser;
  work: string;
  /** A fresh browser profile (its own storage: its own sign-in), in the given language. */
  context(options?: { locale?: string; bypassCSP?: boolean }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** The local platform in memory, serving the built web app as `npm start` does, and a headless Chromium. */
export async function startWebHarness(platformOptions: Pick<LocalPlatformOptions, 'webTokenLifetimeSeconds'> = {}): Promise<WebHarness> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-system.sh (apt-get install chromium)`);
  const work = await mkdtemp(join(tmpdir(), 'podium-web-'));
  const webAppDir = await ensureWebAppBuilt();
  const platform = await startLocalPlatform({
    ...platformOptions,
    persist: false,
    webAppDir,
    settings: { ...localSettings(), dataDir: join(work, 'platform') },
  });
  // Root in CI containers: Chromium's own sandbox needs user namespaces it may not get.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const contexts: BrowserContext[] = [];
  return {
    platform,
    browser,
    work,
    async context(options = {}) {
      const context = await browser.newContext({
        baseURL: platform.apiUrl,
        locale: options.locale ?? 'en-GB',
        viewport: { width: 1200, height: 900 },
        acceptDownloads: true,
        ...(options.bypassCSP ? { bypassCSP: true } : {}),
      });
      contexts.push(context);
      return context;
    },
    async close() {
      await Promise.allSettled(contexts.map((context) => context.close()));
      await browser.close();
      await platform.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login page the way a person does: the Sign in button, the email, back to the page. */
export async function signInThroughBrowser(page: Page, email: string, options: { organiser?: boolean; buttonName?: RegExp; displayName?: string } = {}) {
  await page
    .getByRole('button', { name: options.buttonName ?? /^(Sign in|Se connecter)$/ })
    .first()
    .click();
  await page.waitForURL(/\/oauth2\/authorize/);
  await page.locator('#email').fill(email);
  if (options.displayName) await page.locator('#name').fill(options.displayName);
  if (options.organiser) await page.locator('input[name=organiser]').check();
  await page.locator('button[type=submit]').click();
  await page.getByTestId('signed-in-as').filter({ hasText: email }).waitFor();
}

/** axe-core's serious and critical violations on the page as it stands (WCAG 2.1 A and AA rules). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(context: unknown, options: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.targets.join(', ')}`);
}

/**
 * Answers every registration question on the join page as a person would: a country in the country
 * field, `text` in the other text fields, the first option of each list, a tick in each agreement.
 */
export async function answerRegistrationQuestions(page: Page, text = 'Institut Curie') {
  await page.locator('fieldset').first().waitFor();
  for (const field of await page.locator('fieldset input[type=text]').all()) {
    await field.fill((await field.getAttribute('autocomplete')) === 'country-name' ? 'France' : text);
  }
  for (const list of await page.locator('fieldset select').all()) await list.selectOption({ index: 1 });
  for (const box of await page.locator('fieldset input[type=checkbox]').all()) await box.check();
}
