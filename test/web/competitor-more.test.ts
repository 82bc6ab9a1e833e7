import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { devUserId } from '#shared/identity/dev-issuer.ts';
import { publicHandle } from '#shared/participants/public-handle.ts';
import { tissuenet } from '../api/api-harness.ts';
import { answerRegistrationQuestions, signInThroughBrowser, startWebHarness, type WebHarness } from './web-harness.ts';

// page.evaluate bodies run in the browser; these name its globals for the type checker (module-scoped).
declare const localStorage: { getItem(key: string): string | null };
declare const document: { querySelector(selector: string): { dispatchEvent(event: unknown): boolean } | null };
declare const DataTransfer: new () => { items: { add(file: unknown): void } };
declare const File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
declare const DragEvent: new (type: string, init: { bubbles: boolean; cancelable: boolean; dataTransfer: unknown }) => unknown;
declare const atob: (base64: string) => string;

/** The web app renews a minute before expiry: 70 s tokens are renewed 10 s after sign-in. */
const TOKEN_LIFETIME_SECONDS = 70;
const MULTIPART_FROM_BYTES = 64 * 1024 * 1024;

let harness: WebHarness;

beforeAll(async () => {
  harness = await startWebHarness({ webTokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS });
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

async function competitorPage(email: string, displayName?: string): Promise<Page> {
  const page = await (await harness.context()).newPage();
  await page.goto('/');
  await signInThroughBrowser(page, email, { displayName });
  return page;
}

/** Joins a challenge through its Join tab, answering every registration question. */
async function joinChallenge(page: Page, challengeId = 'tissuenet') {
  await page.goto(`/c/${challengeId}/join`);
  await answerRegistrationQuestions(page);
  await page.getByLabel(/I have read and accept the rules/).check();
  await page.getByRole('button', { name: 'Accept the rules and join' }).click();
  await page.getByTestId('registration-status').filter({ hasText: 'You joined this challenge' }).waitFor();
}

const storedSession = (page: Page) =>
  page.evaluate(() => JSON.parse(localStorage.getItem('podium.session') ?? 'null') as { idToken: string; refreshToken: string; expiresAt: number } | null);

/** A submission.zip of the given files, stored (not deflated) so that random padding keeps its size. */
const zipOf = (files: Record<string, string | Uint8Array>) =>
  Buffer.from(
    zipSync(Object.fromEntries(Object.entries(files).map(([name, content]) => [name, typeof content === 'string' ? Buffer.from(content) : content])), {
      level: 0,
    }),
  );

/** Drops one file on the Submit tab's drop zone, as dragging it from a file manager does. */
async function dropOnDropZone(page: Page, name: string, content: Buffer) {
  await page.evaluate(
    ({ base64, fileName }) => {
      const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], fileName, { type: 'application/zip' }));
      const zone = document.querySelector('.dropzone')!;
      zone.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: transfer }));
      zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer }));
    },
    { base64: content.toString('base64'), fileName: name },
  );
}

const baselineMain = () => readFile('examples/tissuenet/baseline/main.py', 'utf8');

/** The submission the Submit tab reports, once the pipeline gives it a final state. */
async function finalStatus(page: Page): Promise<string> {
  const status = page.getByTestId('submission-status').filter({ hasText: /^(SCORED|FAILED|REJECTED|CANCELLED|PLATFORM_ERROR)$/ });
  await status.waitFor({ timeout: 240_000 });
  return (await status.textContent())!;
}

async function submitChosenArchive(page: Page, mode: 'Scored' | 'Smoke test'): Promise<string> {
  await page.getByRole('radio', { name: new RegExp(`^${mode}`) }).check();
  await page.getByRole('button', { name: 'Submit', exact: true }).click();
  await page.locator('#upload-progress').waitFor();
  const notice = page.getByRole('status').filter({ hasText: /Submission \S+:/ });
  await notice.waitFor({ timeout: 60_000 });
  return /Submission (\S+):/.exec((await notice.textContent())!)![1]!;
}

describe('a team, from two browsers', () => {
  let bea: Page;
  let cal: Page;

  beforeAll(async () => {
    [bea, cal] = await Promise.all([competitorPage('bea@example.org', 'Béa Martin'), competitorPage('cal@example.org')]);
    await joinChallenge(bea);
    await joinChallenge(cal);
  }, 120_000);

  it('is created with an invite code and link; a second competitor joins by the link and both are listed by handle', async () => {
    await bea.getByRole('link', { name: 'Team' }).click();
    await bea.getByLabel('Team name').fill('Lesion hunters');
    await bea.getByRole('button', { name: 'Create the team' }).click();
    await bea.getByRole('heading', { level: 2, name: 'Lesion hunters' }).waitFor();
    const code = (await bea.getByTestId('invite-code').textContent())!;
    expect(code).toMatch(/^\S{4,32}$/);
    const link = `${harness.platform.apiUrl}/c/tissuenet/team?invite=${encodeURIComponent(code)}`;
    expect(await bea.getByText(link, { exact: true }).count()).toBe(1);

    await cal.goto(link);
    await expect(cal.locator('#join-code').inputValue()).resolves.toBe(code);
    await cal.getByRole('button', { name: 'Join', exact: true }).click();
    await cal.getByRole('heading', { level: 2, name: 'Lesion hunters' }).waitFor();
    await cal.getByRole('heading', { name: '2 members' }).waitFor();
    await bea.reload();
    await bea.getByRole('heading', { name: '2 members' }).waitFor();
    expect(await bea.locator('section li', { hasText: '(you)' }).count()).toBe(1);
    // Members by public handle: Béa's display name, Cal's stand-in (no display name); never an e-mail or account id.
    const members = (await bea.locator('section li').allTextContents()).map((text) => text.trim()).sort();
    const calHandle = publicHandle(devUserId('cal@example.org'));
    expect(members).toEqual(['@béamartin (you)', `@${calHandle}`].sort());
    expect(await bea.locator('section').first().textContent()).not.toMatch(/@example\.org|u-[0-9a-f]{20}/);
  });

  it('is left by a member, who then merges a team of their own into it with its invite code', async () => {
    cal.once('dialog', (dialog) => void dialog.accept());
    await cal.getByRole('button', { name: 'Leave the team' }).click();
    await cal.getByText('You are not in a team yet').waitFor();
    await bea.reload();
    await bea.getByRole('heading', { name: '1 member' }).waitFor();

    await cal.getByLabel('Team name').fill('Solo slides');
    await cal.getByRole('button', { name: 'Create the team' }).click();
    await cal.getByRole('heading', { level: 2, name: 'Solo slides' }).waitFor();
    await cal.getByLabel("The other team's invite code").fill((await bea.getByTestId('invite-code').textContent())!);
    await cal.getByRole('button', { name: 'Merge' }).click();
    // The merge API keeps the invite code's team: Cal's own team is absorbed into it.
    await cal.getByRole('heading', { level: 2, name: 'Lesion hunters' }).waitFor();
    await cal.getByRole('heading', { name: '2 members' }).waitFor();
    await bea.reload();
    await bea.getByRole('heading', { name: '2 members' }).waitFor();
  });
});

describe('the join page', () => {
  it("shows the rules' fingerprint, apart from any version the rules' own text gives, and accepts that digest", async () => {
    const page = await competitorPage('eve@example.org');
    const rules = (await (await fetch(`${harness.platform.apiUrl}/challenges/tissuenet/rules`)).json()) as { version: string };
    const fingerprint = rules.version.slice(0, 8);
    await page.goto('/c/tissuenet/join');
    await page.getByRole('heading', { level: 2, name: 'Rules', exact: true }).waitFor();
    expect(await page.getByTestId('rules-fingerprint').textContent()).toBe(
      `Fingerprint of the rules you accept: ${fingerprint}. It changes whenever the organisers edit the rules, and you are then asked to accept them again.`,
    );
    expect(await page.getByText(rules.version).count()).toBe(0);
    await answerRegistrationQuestions(page);
    await page.getByLabel(`I have read and accept the rules above (fingerprint ${fingerprint})`).check();
    await page.getByRole('button', { name: 'Accept the rules and join' }).click();
    await page.getByTestId('registration-status').filter({ hasText: 'You joined this challenge' }).waitFor();
    const { idToken } = (await storedSession(page))!;
    const registration = await fetch(`${harness.platform.apiUrl}/challenges/tissuenet/registration`, { headers: { authorization: `Bearer ${idToken}` } });
    expect(((await registration.json()) as { acceptedRulesVersion: string }).acceptedRulesVersion).toBe(rules.version);
  }, 60_000);
});

describe('submitting and following submissions', () => {
  let page: Page;
  let dropped: Buffer;

  beforeAll(async () => {
    page = await competitorPage('dee@example.org');
    await joinChallenge(page);
  }, 60_000);

  it('shows the quota left and when the next submission is allowed before anything is submitted', async () => {
    await page.getByRole('link', { name: 'Submit' }).click();
    await expect(page.getByTestId('quota').textContent()).resolves.toContain('3 of 3 submissions left today');
    expect(await page.getByTestId('quota').textContent()).toContain('0 of 1 running at once');
    expect(await page.getByTestId('next-allowed').textContent()).toBe('You can submit now.');
  });

  it('refuses at once a dropped file that is not a zip, even one named .zip, saying which file and what it expects', async () => {
    await page.goto('/c/tissuenet/submit');
    await page.getByTestId('quota').waitFor();
    const submissionsCreated: string[] = [];
    const record = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST' && /\/submissions$/.test(request.url())) submissionsCreated.push(request.url());
    };
    page.on('request', record);
    // A gzip stream (a renamed .tar.gz), then a bare main.py: neither starts with a zip's local file header.
    await dropOnDropZone(page, 'model.zip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]));
    await page.getByRole('alert').filter({ hasText: 'model.zip' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toBe(
      'Error: “model.zip” is not a zip archive. Choose a .zip file whose root holds main.py, or a folder with main.py.',
    );
    expect(await page.getByTestId('archive-ready').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Submit', exact: true }).isDisabled()).toBe(true);

    await dropOnDropZone(page, 'main.py', Buffer.from(await baselineMain()));
    await page.getByRole('alert').filter({ hasText: '“main.py” is not a zip archive' }).waitFor();

    await dropOnDropZone(page, 'submission.zip', zipOf({ 'main.py': await baselineMain() }));
    await expect(page.getByTestId('archive-ready').textContent()).resolves.toMatch(/^Ready: submission\.zip/);
    expect(await page.getByRole('alert').count()).toBe(0);
    page.off('request', record);
    expect(submissionsCreated).toEqual([]);
  });

  it('takes a zip dropped on the drop zone, shows the upload progress and the state the pipeline gives it', async () => {
    await page.goto('/c/tissuenet/submit');
    await page.getByTestId('quota').waitFor();
    dropped = zipOf({ 'main.py': await baselineMain() });
    await dropOnDropZone(page, 'dropped.zip', dropped);
    await expect(page.getByTestId('archive-ready').textContent()).resolves.toMatch(/^Ready: dropped\.zip/);
    await submitChosenArchive(page, 'Smoke test');
    expect(await finalStatus(page)).toBe('SCORED');
  }, 300_000);

  it('sends an archive of 64 MiB and more as a multipart upload, completed through the API', async () => {
    const large = zipOf({ 'main.py': await baselineMain(), 'weights.bin': randomBytes(MULTIPART_FROM_BYTES) });
    expect(large.length).toBeGreaterThanOrEqual(MULTIPART_FROM_BYTES);
    const file = join(harness.work, 'large.zip');
    await writeFile(file, large);
    const requests: string[] = [];
    const record = (request: { method(): string; url(): string }) => requests.push(`${request.method()} ${request.url()}`);
    page.on('request', record);
    await page.goto('/c/tissuenet/submit');
    await page.locator('#archive-zip').setInputFiles(file);
    await page.getByTestId('archive-ready').waitFor();
    const id = await submitChosenArchive(page, 'Smoke test');
    expect(await finalStatus(page)).toBe('SCORED');
    page.off('request', record);
    expect(requests.filter((request) => /^PUT .*[?&]partNumber=\d+/.test(request)).length).toBeGreaterThanOrEqual(2);
    expect(requests).toContain(`POST ${harness.platform.apiUrl}/submissions/${id}/upload/complete`);
    const { idToken } = (await storedSession(page))!;
    const stored = (await (await fetch(`${harness.platform.apiUrl}/submissions/${id}`, { headers: { authorization: `Bearer ${idToken}` } })).json()) as {
      archiveBytes?: number;
    };
    expect(stored.archiveBytes).toBe(large.length);
  }, 400_000);

  it('shows why a run failed, and its log, for a main.py that raises', async () => {
    await page.goto('/c/tissuenet/submit');
    await page.locator('#archive-zip').setInputFiles({
      name: 'broken.zip',
      mimeType: 'application/zip',
      buffer: zipOf({ 'main.py': 'raise RuntimeError("no model weights in this archive")\n' }),
    });
    const id = await submitChosenArchive(page, 'Smoke test');
    expect(await finalStatus(page)).toBe('FAILED');
    await page.getByRole('link', { name: 'My submissions' }).click();
    const row = page.getByTestId(`submission-${id}`);
    await row.locator('span.status.FAILED').waitFor();
    // A smoke run's failure names the exit code and the last error line its code printed.
    expect(await row.locator('.error-text').textContent()).toBe('main.py exited with code 1: RuntimeError: no model weights in this archive');
    await row.getByRole('button', { name: 'Logs' }).click();
    await page.locator('pre.logs').filter({ hasText: 'RuntimeError: no model weights in this archive' }).waitFor();
  }, 300_000);

  it('downloads the archive of a submission, byte for byte what was uploaded', async () => {
    const row = page.locator('tr', { hasText: 'SCORED' }).last();
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Archive' }).click()]);
    expect(await readFile((await download.path())!)).toEqual(dropped);
  });

  it('cancels a scored run in flight, which holds the concurrency quota until then', async () => {
    const quota = page.getByTestId('quota');
    await page.getByRole('link', { name: 'Submit' }).click();
    await quota.filter({ hasText: '3 of 3 submissions left today' }).waitFor();
    await page.locator('#archive-zip').setInputFiles({
      name: 'slow.zip',
      mimeType: 'application/zip',
      buffer: zipOf({ 'main.py': 'import time\ntime.sleep(600)\n' }),
    });
    const id = await submitChosenArchive(page, 'Scored');
    // Without a reload: the quota is asked again once the archive is uploaded.
    await quota.filter({ hasText: /2 of 3 submissions left today.*1 of 1 running at once/ }).waitFor();
    expect(await page.getByTestId('next-allowed').textContent()).toBe('Next submission allowed once a run in flight finishes.');

    await page.getByRole('link', { name: 'My submissions' }).click();
    const row = page.getByTestId(`submission-${id}`);
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.locator('span.status.CANCELLED').waitFor({ timeout: 60_000 });
    expect(await row.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    // A scored run's log is not the team's to read: the page says why instead.
    await row.getByRole('button', { name: 'Logs' }).click();
    await page
      .locator('section', { hasText: `Log of ${id}` })
      .getByText('This run used hidden data, so nothing it printed is shown to teams.')
      .waitFor();
    expect(await page.locator('pre.logs').count()).toBe(0);
    await page.getByRole('link', { name: 'Submit' }).click();
    // A cancelled run is refunded: the day's three scored submissions are all left.
    await quota.filter({ hasText: /3 of 3 submissions left today.*0 of 1 running at once/ }).waitFor();
    expect(await page.getByTestId('next-allowed').textContent()).toBe('You can submit now.');
  }, 120_000);
});

describe('the session', () => {
  it('is renewed before its ID token expires without the user doing anything, and sign-out revokes its refresh token', async () => {
    const page = await competitorPage('eve@example.org');
    const first = (await storedSession(page))!;
    expect(first.expiresAt - Date.now()).toBeLessThanOrEqual(TOKEN_LIFETIME_SECONDS * 1000);
    await page.waitForFunction((token) => JSON.parse(localStorage.getItem('podium.session') ?? 'null')?.idToken !== token, first.idToken, {
      timeout: 30_000,
      polling: 500,
    });
    const renewed = (await storedSession(page))!;
    expect(renewed).toMatchObject({ refreshToken: first.refreshToken });
    expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt);
    await page.getByTestId('signed-in-as').filter({ hasText: 'eve@example.org' }).waitFor();
    // The renewed token is one the API accepts.
    const me = await fetch(`${harness.platform.apiUrl}/challenges/tissuenet/registration`, { headers: { authorization: `Bearer ${renewed.idToken}` } });
    expect(me.status).not.toBe(401);

    const refresh = () =>
      fetch(`${harness.platform.apiUrl}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refreshToken, client_id: 'podium-local-web' }),
      });
    expect((await refresh()).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await storedSession(page)).toBeNull();
    const refused = await refresh();
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
  }, 60_000);
});

describe('training data kept on the platform (download: false)', () => {
  it('is explained on the Data tab with no way to download it, and its download route refuses', async () => {
    const challenge = await tissuenet((definition) => {
      definition.id = 'closed-slides';
      definition.title = 'Closed slides';
      definition.datasets.find((dataset) => dataset.id === 'train')!.download = false;
    });
    await registerChallenge(harness.platform.ctx, challenge);
    const page = await competitorPage('fay@example.org');
    await joinChallenge(page, 'closed-slides');
    await page.getByRole('link', { name: 'Data' }).click();
    const platformOnly = page.getByTestId('platform-only-data');
    await platformOnly.waitFor();
    expect(await platformOnly.textContent()).toContain('podium train');
    const train = challenge.datasets.find((dataset) => dataset.id === 'train')!;
    expect(await platformOnly.getByRole('heading').textContent()).toBe(`${train.title} (stays on the platform)`);
    expect(await platformOnly.getByRole('button', { name: /download/i }).count()).toBe(0);
    expect(await platformOnly.getByRole('link').count()).toBe(0);
    // The smoke data is still offered for download; the training data has no such section.
    await page.getByRole('heading', { name: /\(smoke test\)$/ }).waitFor();
    expect(await page.getByRole('heading', { name: new RegExp(`^${train.title} \\(training\\)`) }).count()).toBe(0);

    const answer = await page.evaluate(async () => {
      const session = JSON.parse(localStorage.getItem('podium.session')!) as { idToken: string };
      const response = await fetch('/challenges/closed-slides/datasets/train', { headers: { authorization: `Bearer ${session.idToken}` } });
      return { status: response.status, body: (await response.json()) as { message?: string } };
    });
    expect(answer.status).toBe(404);
    expect(answer.body.message).toContain('never leaves the platform');
  }, 90_000);
});
