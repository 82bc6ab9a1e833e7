import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { answerRegistrationQuestions, seriousViolations, signInThroughBrowser, startWebHarness, type WebHarness } from './web-harness.ts';

// page.evaluate bodies run in the browser; these name its globals for the type checker (module-scoped).
declare const localStorage: { getItem(key: string): string | null };
declare const document: { documentElement: { scrollWidth: number } };

let harness: WebHarness;
let competitor: Page;
let organiser: Page;
let topicPath: string;

beforeAll(async () => {
  harness = await startWebHarness();
  competitor = await (await harness.context()).newPage();
  organiser = await (await harness.context({ bypassCSP: true })).newPage();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

/** Joins TissueNet through its Join tab, answering the organisers' registration questions (the country one with a country). */
async function join(page: Page, email: string) {
  await page.goto('/c/tissuenet/join');
  await signInThroughBrowser(page, email, { buttonName: /^Sign in to join$/ });
  await answerRegistrationQuestions(page);
  await page.getByLabel(/I have read and accept the rules/).check();
  await page.getByRole('button', { name: 'Accept the rules and join' }).click();
  await page.getByTestId('registration-status').waitFor();
}

describe('the discussion in the browser', () => {
  it('a competitor opens a topic; its markdown is rendered and raw HTML never runs', async () => {
    await join(competitor, 'ada-forum@example.org');
    await competitor.getByRole('link', { name: 'Discussion' }).click();
    await competitor.getByText('No topic yet').waitFor();
    await competitor.getByLabel('Title', { exact: true }).fill('Which magnification for the slides?');
    await competitor.locator('#topic-category').selectOption('data');
    await competitor.getByLabel('Message').fill('Is **level 0** required? <img src=x onerror="window.pwned=1">');
    await competitor.getByRole('button', { name: 'Post topic' }).click();
    await competitor.getByRole('heading', { name: 'Which magnification for the slides?' }).waitFor();
    topicPath = new URL(competitor.url()).pathname;
    expect(topicPath).toMatch(/^\/c\/tissuenet\/discussion\/[0-9a-z]+-[0-9a-f]+$/);
    const post = competitor.locator('section.post').first();
    await expect(post.locator('.markdown strong').textContent()).resolves.toBe('level 0');
    expect(await post.locator('.markdown img').count()).toBe(0);
    expect(await competitor.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    await competitor.getByLabel('Your reply').fill('Also: are the **tiles** overlapping?');
    await competitor.getByRole('button', { name: 'Reply', exact: true }).click();
    await competitor.getByRole('heading', { name: '1 reply' }).waitFor();
  });

  it('an organiser answers with a badge, marks the answer, pins and locks; the competitor sees each', async () => {
    await organiser.goto(topicPath);
    await signInThroughBrowser(organiser, 'org-forum@example.org', { organiser: true });
    await organiser.getByLabel('Your reply').fill('Level 0 is not required; use **level 2**.');
    await organiser.getByRole('button', { name: 'Reply', exact: true }).click();
    const answer = organiser.getByRole('region', { name: 'Post by Organiser' });
    await answer.locator('.organiser-badge').waitFor();
    await answer.getByRole('button', { name: 'Mark as answer' }).click();
    await answer.locator('.answer-mark').waitFor();
    await organiser.getByRole('button', { name: 'Pin', exact: true }).click();
    await organiser.getByRole('button', { name: 'Unpin' }).waitFor();
    await organiser.getByRole('button', { name: 'Lock', exact: true }).click();
    await organiser.getByRole('button', { name: 'Unlock' }).waitFor();

    await competitor.reload();
    await competitor.getByText('An organiser locked this topic').waitFor();
    expect(await competitor.getByLabel('Your reply').count()).toBe(0);
    const organiserPost = competitor.getByRole('region', { name: 'Post by Organiser' });
    await expect(organiserPost.locator('.answer-mark').textContent()).resolves.toContain('Answer');
    await expect(organiserPost.locator('.organiser-badge').textContent()).resolves.toBe('Organiser');
    await competitor.getByRole('link', { name: /All topics/ }).click();
    const listed = competitor.locator('li.topic').first();
    await expect(listed.textContent()).resolves.toMatch(/Which magnification.*Pinned.*Locked.*Answered/);
  });

  it("an organiser hides a competitor's reply with a reason; readers see only that it was hidden", async () => {
    await organiser.reload();
    const reply = organiser.locator('section.post', { hasText: 'overlapping' });
    await reply.getByRole('button', { name: 'Hide' }).click();
    await reply.getByLabel('Reason').fill('Off topic');
    await reply.getByRole('button', { name: 'Hide' }).last().click();
    await reply.getByText('Hidden by an organiser: Off topic').waitFor();
    // The organiser still reads the text; the competitor does not.
    await competitor.goto(topicPath);
    await competitor.getByText('This post was hidden by an organiser.').waitFor();
    expect(await competitor.getByText('overlapping').count()).toBe(0);
  });

  it('refuses a post over the per-minute limit with its message and the next allowed time', async () => {
    // A participant of their own, so no earlier post shares the minute.
    const bob = await (await harness.context()).newPage();
    await join(bob, 'bob-forum@example.org');
    await bob.goto('/c/tissuenet/discussion');
    // Five posts a minute: four topics through the API, then the fifth and sixth from the form, within one UTC minute.
    const statuses = await bob.evaluate(async () => {
      if (new Date().getUTCSeconds() > 40) await new Promise((resolve) => setTimeout(resolve, (61 - new Date().getUTCSeconds()) * 1000));
      const { idToken } = JSON.parse(localStorage.getItem('podium.session')!) as { idToken: string };
      const results: number[] = [];
      for (let index = 0; index < 4; index += 1) {
        const response = await fetch('/challenges/tissuenet/discussion/topics', {
          method: 'POST',
          headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `Question ${index}`, body: 'Quick one', category: 'general' }),
        });
        results.push(response.status);
      }
      return results;
    });
    expect(statuses).toEqual([201, 201, 201, 201]);
    await bob.getByLabel('Title', { exact: true }).fill('One more question');
    await bob.getByLabel('Message').fill('And another');
    await bob.getByRole('button', { name: 'Post topic' }).click();
    await bob.getByRole('heading', { name: 'One more question' }).waitFor();
    await bob.goto('/c/tissuenet/discussion');
    await bob.getByLabel('Title', { exact: true }).fill('Too many');
    await bob.getByLabel('Message').fill('Over the limit');
    await bob.getByRole('button', { name: 'Post topic' }).click();
    await expect(bob.getByRole('alert').textContent()).resolves.toMatch(/^QUOTA_EXCEEDED: you may post 5 posts a minute/);
    await expect(bob.getByTestId('next-post-at').textContent()).resolves.toMatch(/^You can post again at .+ UTC\.$/);
  });

  it('searches titles and posts, and filters by category', async () => {
    await competitor.goto('/c/tissuenet/discussion');
    await competitor.getByRole('searchbox').fill('tiles');
    await competitor.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => competitor.locator('li.topic').count()).toBe(1);
    await competitor.getByRole('link', { name: 'Which magnification for the slides?' }).waitFor();
    await competitor.getByRole('searchbox').fill('');
    await competitor.getByRole('button', { name: 'Search' }).click();
    await competitor.locator('#filter-category').selectOption('data');
    await expect.poll(() => competitor.locator('li.topic').count()).toBe(1);
    await competitor.getByRole('link', { name: 'Which magnification for the slides?' }).waitFor();
  });
});

describe('notifications in the browser', () => {
  it('an announcement raises the unread count in the header; the list marks it read', async () => {
    await organiser.goto('/c/tissuenet/discussion');
    await organiser.locator('#announce-title').fill('Final phase opens on 1 March');
    await organiser.locator('#announce-body').fill('It runs on the **GPU** runtime.');
    await organiser.locator('#announce-audience').selectOption('approved');
    await organiser.getByRole('button', { name: 'Announce' }).click();
    await organiser.getByRole('status').filter({ hasText: 'Sent to 2 participants' }).waitFor();

    // Ada has the organiser's reply to her topic and the announcement.
    await competitor.goto('/c/tissuenet');
    await expect(competitor.getByTestId('unread-count').textContent()).resolves.toBe('2');
    await competitor.getByRole('link', { name: 'Notifications, 2 unread' }).click();
    const item = competitor.locator('li.notification.unread', { hasText: 'Final phase opens on 1 March' });
    await item.waitFor();
    await competitor.locator('li.notification.unread', { hasText: 'replied to "Which magnification for the slides?"' }).waitFor();
    await expect(competitor.getByTestId('unread-summary').textContent()).resolves.toBe('2 unread');
    await item.getByRole('button', { name: 'Mark read' }).click();
    await competitor.getByTestId('unread-summary').filter({ hasText: '1 unread' }).waitFor();
    await expect(competitor.getByTestId('unread-count').textContent()).resolves.toBe('1');
    await competitor.getByRole('button', { name: 'Mark all read' }).click();
    await competitor.getByTestId('unread-summary').filter({ hasText: '0 unread' }).waitFor();
    await competitor.getByTestId('unread-count').waitFor({ state: 'detached' });
    // Its link opens the announcement, pinned in the discussion.
    await competitor.getByRole('link', { name: 'Final phase opens on 1 March' }).click();
    await competitor.getByRole('heading', { name: 'Final phase opens on 1 March' }).waitFor();

    await competitor.goto('/notifications/settings');
    const email = competitor.getByLabel('Announcements: By e-mail');
    expect(await email.isChecked()).toBe(true);
    await email.uncheck();
    await competitor.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await competitor.reload();
    expect(await competitor.getByLabel('Announcements: By e-mail').isChecked()).toBe(false);
    expect(await competitor.getByLabel('Announcements: In the app').isChecked()).toBe(true);
  });

  it('renders the discussion in French, has no serious axe violation, and fits a 390-pixel screen', async () => {
    const french = await (await harness.context({ locale: 'fr-FR' })).newPage();
    await french.goto('/c/tissuenet/discussion');
    await french.getByLabel('Trier par').waitFor();
    await french.getByText('Connectez-vous pour écrire.').waitFor();
    await expect(french.locator('li.topic').first().textContent()).resolves.toContain('Épinglé');
    await french.goto(topicPath);
    await french.getByRole('heading', { name: /^\d+ réponses?$/ }).waitFor();
    await expect(french.locator('.answer-mark').textContent()).resolves.toContain('Réponse');
    await french.getByText('Un organisateur a verrouillé ce sujet').waitFor();

    const found: Record<string, string[]> = {};
    for (const path of ['/c/tissuenet/discussion', topicPath, '/notifications', '/notifications/settings']) {
      await organiser.goto(path);
      await organiser.locator('main h1').waitFor();
      await organiser.waitForLoadState('networkidle');
      const violations = await seriousViolations(organiser);
      if (violations.length > 0) found[path] = violations;
    }
    expect(found).toEqual({});

    await organiser.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/c/tissuenet/discussion', topicPath, '/notifications', '/notifications/settings']) {
      await organiser.goto(path);
      await organiser.locator('main h1').waitFor();
      await organiser.waitForLoadState('networkidle');
      expect(await organiser.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    }
  }, 120_000);
});

describe('reports in the organiser console', () => {
  it("a participant reports a post; the organiser finds it in the console's Reports tab and hides it with a reason", async () => {
    const cleo = await (await harness.context()).newPage();
    await join(cleo, 'cleo-forum@example.org');
    await cleo.goto('/c/tissuenet/discussion');
    await cleo.getByLabel('Title', { exact: true }).fill('Sharing my tiling script');
    await cleo.getByLabel('Message').fill('It cuts the slides into 512-pixel tiles.');
    await cleo.getByRole('button', { name: 'Post topic' }).click();
    await cleo.getByRole('heading', { name: 'Sharing my tiling script' }).waitFor();
    const reportedTopic = new URL(cleo.url()).pathname;
    await cleo.getByLabel('Your reply').fill('Also, here are the test labels I scraped from the server.');
    await cleo.getByRole('button', { name: 'Reply', exact: true }).click();
    await cleo.getByRole('heading', { name: '1 reply' }).waitFor();

    await competitor.goto(reportedTopic);
    const offending = competitor.locator('section.post', { hasText: 'test labels I scraped' });
    await offending.getByRole('button', { name: 'Report' }).click();
    await offending.getByLabel('Why report it?').fill('Leaks the hidden test labels');
    await offending.getByRole('button', { name: 'Report' }).last().click();
    await offending.getByText('Reported to the organisers.').waitFor();

    await organiser.setViewportSize({ width: 1280, height: 800 });
    await organiser.goto('/console/tissuenet');
    await organiser.getByRole('link', { name: 'Reports' }).click();
    const row = organiser.locator('tr', { hasText: 'test labels I scraped' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/Sharing my tiling script.*1 participant.*Leaks the hidden test labels/);
    await organiser.waitForLoadState('networkidle');
    expect(await seriousViolations(organiser)).toEqual([]);

    await row.getByRole('button', { name: 'Hide…' }).click();
    const dialog = organiser.getByRole('dialog', { name: 'Hide this post?' });
    const hide = dialog.getByRole('button', { name: 'Hide' });
    expect(await hide.isDisabled()).toBe(true);
    expect(await seriousViolations(organiser)).toEqual([]);
    await dialog.getByLabel('Reason (kept in the audit log)').fill('Leaked test labels');
    await hide.click();
    await row.locator('.hidden-mark').waitFor();
    expect(await row.getByRole('button', { name: 'Hide…' }).count()).toBe(0);
    await dialog.waitFor({ state: 'detached' });

    // Readers see only that it was hidden; the link opens the topic for the organiser, with the reason.
    await competitor.reload();
    await competitor.getByText('This post was hidden by an organiser.').waitFor();
    expect(await competitor.getByText('test labels I scraped').count()).toBe(0);
    await row.getByRole('link', { name: 'Sharing my tiling script' }).click();
    await organiser.getByText('Hidden by an organiser: Leaked test labels').waitFor();

    await organiser.setViewportSize({ width: 390, height: 844 });
    await organiser.goto('/console/tissuenet/reports');
    await organiser.locator('tr', { hasText: 'test labels I scraped' }).waitFor();
    await organiser.waitForLoadState('networkidle');
    expect(await organiser.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  }, 120_000);
});
