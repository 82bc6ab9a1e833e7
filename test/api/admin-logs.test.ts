import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAccessLog } from '#shared/data-access/access-log.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { startApi, tissuenet, type ApiHarness } from './api-harness.ts';

// The organisers' two logs, filtered by who, what and when, a page at a time.
let fixture: StorageFixture;
let api: ApiHarness;
let organiser: string;
let organiserId: string;
let colleagueId: string;

interface AuditPage {
  entries: { at: string; actor: string; action: string; target: string }[];
  nextCursor?: string;
}
interface AccessPage {
  entries: { at: string; userId: string; email: string; datasetId: string; path: string }[];
  nextCursor?: string;
}

const audit = async (query: string) => (await api.call('GET', `/admin/challenges/tissuenet/audit-log?${query}`, organiser)).json() as Promise<AuditPage>;

/** Every page of a listing, following `nextCursor`. */
async function allPages<Page extends { entries: unknown[]; nextCursor?: string }>(read: (cursor?: string) => Promise<Page>): Promise<Page['entries']> {
  const entries: Page['entries'] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}

beforeAll(async () => {
  fixture = await startStorageFixture();
  api = await startApi(fixture, [await tissuenet(), await tissuenet((challenge) => void (challenge.id = 'bulk'))], '2026-06-01T12:00:00Z');
  const org = 'org@chu-example.fr';
  const colleague = 'colleague@chu-example.fr';
  // One switch a day, 1 to 6 June: the organiser pauses and resumes the learning phase, the colleague pauses the final one on the 6th.
  const switches: [string, string, 'pause' | 'resume', string][] = [
    ['2026-06-01T12:00:00.000Z', org, 'pause', 'learning'],
    ['2026-06-02T12:00:00.000Z', org, 'resume', 'learning'],
    ['2026-06-03T12:00:00.000Z', org, 'pause', 'learning'],
    ['2026-06-04T12:00:00.000Z', org, 'resume', 'learning'],
    ['2026-06-05T12:00:00.000Z', org, 'pause', 'learning'],
    ['2026-06-06T12:00:00.000Z', colleague, 'pause', 'final'],
  ];
  for (const [at, email, action, phase] of switches) {
    api.clock.set(at);
    expect((await api.call('POST', `/admin/challenges/tissuenet/phases/${phase}/${action}`, await api.login(email, 'organiser'))).status).toBe(200);
  }
  organiser = await api.login(org, 'organiser');
  organiserId = ((await (await api.call('GET', '/me', organiser)).json()) as { userId: string }).userId;
  colleagueId = ((await (await api.call('GET', '/me', await api.login(colleague, 'organiser'))).json()) as { userId: string }).userId;
  const download = (at: string, userId: string, email: string, datasetId: string, path: string) => ({ at, userId, email, datasetId, path, expiresAt: at });
  await appendAccessLog(api.ctx, 'tissuenet', [
    download('2026-06-01T09:00:00.000Z', 'u-ada', 'ada@example.org', 'train', 'labels.csv'),
    download('2026-06-01T09:00:01.000Z', 'u-ada', 'ada@example.org', 'train', 'slides/001.tif'),
    download('2026-06-02T09:00:00.000Z', 'u-bob', 'bob@example.org', 'train', 'labels.csv'),
    download('2026-06-03T09:00:00.000Z', 'u-ada', 'ada@example.org', 'smoke', 'smoke.csv'),
  ]);
}, 60_000);
afterAll(async () => {
  await fixture.close();
});

describe('the audit log, filtered', () => {
  it('keeps only the action asked for, and only the actor asked for', async () => {
    const pauses = await audit('action=phase.pause');
    expect(pauses.entries.map((entry) => [entry.at.slice(0, 10), entry.target])).toEqual([
      ['2026-06-01', 'learning'],
      ['2026-06-03', 'learning'],
      ['2026-06-05', 'learning'],
      ['2026-06-06', 'final'],
    ]);
    expect(pauses.nextCursor).toBeUndefined();
    const colleagues = await audit(`actor=${colleagueId}`);
    expect(colleagues.entries).toEqual([expect.objectContaining({ actor: colleagueId, action: 'phase.pause', target: 'final' })]);
    expect((await audit(`actor=${colleagueId}&action=phase.resume`)).entries).toEqual([]);
    expect((await audit(`actor=${organiserId}&action=phase.resume`)).entries.map((entry) => entry.at)).toEqual([
      '2026-06-02T12:00:00.000Z',
      '2026-06-04T12:00:00.000Z',
    ]);
  });

  it('keeps a date range, `from` included and `to` excluded, in either order', async () => {
    const range = await audit('from=2026-06-02T12:00:00Z&to=2026-06-04T12:00:00Z');
    expect(range.entries.map((entry) => entry.at)).toEqual(['2026-06-02T12:00:00.000Z', '2026-06-03T12:00:00.000Z']);
    const days = await audit('from=2026-06-05&order=newest');
    expect(days.entries.map((entry) => entry.at.slice(0, 10))).toEqual(['2026-06-06', '2026-06-05']);
    // A zone offset names the same instant: 14:00+02:00 is noon UTC.
    expect((await audit('to=2026-06-02T14:00:00%2B02:00')).entries.map((entry) => entry.action)).toEqual(['phase.pause']);
  });

  it('pages through the filtered log with the cursor: every entry once, none lost, whatever the page size', async () => {
    const everything = (await audit('limit=500')).entries;
    expect(everything).toHaveLength(6);
    for (const limit of [1, 2, 4]) {
      const paged = await allPages((cursor) => audit(`limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`));
      expect(paged).toEqual(everything);
    }
    const first = await audit('action=phase.pause&limit=3&order=newest');
    expect(first.entries.map((entry) => entry.at.slice(0, 10))).toEqual(['2026-06-06', '2026-06-05', '2026-06-03']);
    const second = await audit(`action=phase.pause&limit=3&order=newest&cursor=${first.nextCursor}`);
    expect(second.entries.map((entry) => entry.at.slice(0, 10))).toEqual(['2026-06-01']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('refuses a bad filter with a 400 naming the parameter', async () => {
    const refused = async (query: string) => {
      const response = await api.call('GET', `/admin/challenges/tissuenet/audit-log?${query}`, organiser);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; details: { issues: { field: string }[] } };
      expect(body.error).toBe('VALIDATION_FAILED');
      return body.details.issues.map((issue) => issue.field);
    };
    expect(await refused('from=yesterday')).toEqual(['query.from']);
    expect(await refused('to=2026-02-30')).toEqual(['query.to']);
    expect(await refused('to=2026-06-01T12:00:00')).toEqual(['query.to']);
    expect(await refused('from=2026-06-03&to=2026-06-02')).toEqual(['query.to']);
    expect(await refused('action=')).toEqual(['query.action']);
    expect(await refused('order=sideways')).toEqual(['query.order']);
    expect(await refused('limit=0')).toEqual(['query.limit']);
    expect(await refused('cursor=bm90LWEtY3Vyc29y')).toEqual(['query.cursor']);
    // A cursor of the access log, or one outside the range asked for, is not this listing's.
    const accessCursor = ((await (await api.call('GET', '/admin/challenges/tissuenet/access-log?limit=1', organiser)).json()) as AccessPage).nextCursor;
    expect(await refused(`cursor=${accessCursor}`)).toEqual(['query.cursor']);
    const early = (await audit('limit=1')).nextCursor;
    expect(await refused(`from=2026-06-04&cursor=${early}`)).toEqual(['query.cursor']);
  });
});

describe('the access log, filtered', () => {
  const access = async (query: string) => (await api.call('GET', `/admin/challenges/tissuenet/access-log?${query}`, organiser)).json() as Promise<AccessPage>;

  it('keeps one user (by id or e-mail, any case), one dataset and a date range', async () => {
    expect((await access('user=ADA@example.org')).entries.map((entry) => entry.path)).toEqual(['labels.csv', 'slides/001.tif', 'smoke.csv']);
    expect((await access('user=u-bob')).entries.map((entry) => entry.email)).toEqual(['bob@example.org']);
    expect((await access('dataset=smoke')).entries.map((entry) => entry.path)).toEqual(['smoke.csv']);
    expect((await access('user=u-ada&dataset=train&from=2026-06-01T09:00:00Z&to=2026-06-02')).entries).toHaveLength(2);
    expect((await access('from=2026-06-02&to=2026-06-03')).entries.map((entry) => entry.userId)).toEqual(['u-bob']);
    expect((await access('user=nobody@example.org')).entries).toEqual([]);
  });

  it('pages with the cursor, newest first', async () => {
    const paged = await allPages((cursor) => access(`order=newest&limit=1${cursor ? `&cursor=${cursor}` : ''}`));
    expect(paged.map((entry) => entry.at.slice(0, 10))).toEqual(['2026-06-03', '2026-06-02', '2026-06-01', '2026-06-01']);
    const refused = await api.call('GET', '/admin/challenges/tissuenet/access-log?dataset=' + 'x'.repeat(400), organiser);
    expect(await refused.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: { issues: [{ field: 'query.dataset' }] } });
  });
});

describe('a filter matching nothing in a long log', () => {
  it('reads at most 2,000 entries a request: an empty page with a cursor, then the rest', async () => {
    const at = (second: number) => new Date(Date.parse('2026-05-01T00:00:00Z') + second * 1000).toISOString();
    const entries = Array.from({ length: 2_100 }, (_, second) => ({
      at: at(second),
      userId: 'u-ada',
      email: 'ada@example.org',
      datasetId: 'train',
      path: `slides/${second}.tif`,
      expiresAt: at(second + 3600),
    }));
    await appendAccessLog(api.ctx, 'bulk', entries);
    const read = async (query: string) => (await api.call('GET', `/admin/challenges/bulk/access-log?${query}`, organiser)).json() as Promise<AccessPage>;
    const first = await read('user=u-bob');
    expect(first.entries).toEqual([]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await read(`user=u-bob&cursor=${first.nextCursor}`);
    expect(rest).toEqual({ entries: [] });
    // The range is the key condition: the last 100 entries are one request, whatever the filter.
    expect(await read(`user=u-bob&from=${at(2_000)}`)).toEqual({ entries: [] });
    expect((await read(`from=${at(2_050)}&limit=500`)).entries).toHaveLength(50);
  }, 60_000);
});
