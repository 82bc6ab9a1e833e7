import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { seedTrainingFiles, startApi, tissuenet, type ApiHarness } from './api-harness.ts';

/**
 * Every route × every caller, each cell asserted allowed or denied. "Allowed" means the caller got
 * past authorization (any status except 401, 403 and the 404 that hides other teams' things);
 * "denied" names the status the caller must get.
 */
type Caller = 'anonymous' | 'teamA' | 'teamB' | 'pending' | 'organiser';
const CALLERS: Caller[] = ['anonymous', 'teamA', 'teamB', 'pending', 'organiser'];
type Expectation = 'allow' | 401 | 403 | 404;

interface Row {
  method: string;
  path: string;
  body?: unknown;
  expect: Record<Caller, Expectation>;
}

const publicRoute: Record<Caller, Expectation> = { anonymous: 'allow', teamA: 'allow', teamB: 'allow', pending: 'allow', organiser: 'allow' };
const anyUser: Record<Caller, Expectation> = { anonymous: 401, teamA: 'allow', teamB: 'allow', pending: 'allow', organiser: 'allow' };
const activeParticipant: Record<Caller, Expectation> = { anonymous: 401, teamA: 'allow', teamB: 'allow', pending: 403, organiser: 403 };
const teamAOnly: Record<Caller, Expectation> = { anonymous: 401, teamA: 'allow', teamB: 404, pending: 404, organiser: 404 };
const organiserOnly: Record<Caller, Expectation> = { anonymous: 401, teamA: 403, teamB: 403, pending: 403, organiser: 'allow' };

let fixture: StorageFixture;
let api: ApiHarness;
let tokens: Record<Caller, string | undefined>;
let rows: Row[];

beforeAll(async () => {
  fixture = await startStorageFixture();
  const challenge = await tissuenet();
  const manual = await tissuenet((c) => {
    c.id = 'manual';
    c.registration.approval = 'manual';
  });
  api = await startApi(fixture, [challenge, manual]);
  await seedTrainingFiles(api.ctx, 'tissuenet', 'train');
  const teamA = await api.competitor('a@example.org');
  const teamB = await api.competitor('b@example.org');
  // The pending caller is pending in "manual" and unregistered in "tissuenet".
  const pending = await api.competitor('p@example.org', 'manual');
  const organiser = await api.login('o@example.org', 'organiser');
  tokens = { anonymous: undefined, teamA, teamB, pending, organiser };
  const created = (await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', teamA, { archiveBytes: 10 })).json()) as { submission: { id: string; teamId: string } };
  const s = created.submission.id;
  const t = created.submission.teamId;
  const c = '/challenges/tissuenet';
  const a = '/admin/challenges/tissuenet';
  rows = [
    { method: 'GET', path: '/health', expect: publicRoute },
    { method: 'GET', path: '/openapi.json', expect: publicRoute },
    { method: 'GET', path: '/docs', expect: publicRoute },
    { method: 'GET', path: '/.well-known/jwks.json', expect: publicRoute },
    { method: 'POST', path: '/dev/login', body: { email: 'x@example.org', role: 'competitor' }, expect: publicRoute },
    { method: 'GET', path: '/challenges', expect: publicRoute },
    { method: 'GET', path: c, expect: publicRoute },
    { method: 'GET', path: `${c}/rules`, expect: publicRoute },
    // The runtime's packages are public, like the rules: a competitor reads them before joining.
    { method: 'GET', path: `${c}/phases/learning/runtime`, expect: publicRoute },
    { method: 'GET', path: `${c}/phases/learning/leaderboard`, expect: publicRoute },
    { method: 'GET', path: `${c}/phases/final/leaderboard`, expect: { anonymous: 404, teamA: 404, teamB: 404, pending: 404, organiser: 'allow' } },
    { method: 'GET', path: '/me', expect: anyUser },
    { method: 'GET', path: `${c}/registration`, expect: { ...anyUser, pending: 404, organiser: 404 } },
    { method: 'POST', path: '/challenges/manual/registration', body: { rulesVersion: manual.rulesVersion }, expect: anyUser },
    { method: 'GET', path: `${c}/teams/mine`, expect: { ...anyUser, pending: 404, organiser: 404 } },
    { method: 'POST', path: `${c}/teams`, body: { name: 'New team' }, expect: { ...activeParticipant, teamA: 'allow', teamB: 'allow' } },
    { method: 'POST', path: `${c}/teams/join`, body: { inviteCode: 'NOSUCHCODE' }, expect: { ...activeParticipant, teamA: 'allow', teamB: 'allow' } },
    { method: 'POST', path: `${c}/teams/merge`, body: { inviteCode: 'NOSUCHCODE' }, expect: activeParticipant },
    { method: 'POST', path: `${c}/teams/leave`, expect: activeParticipant },
    { method: 'GET', path: `${c}/datasets/train`, expect: activeParticipant },
    { method: 'GET', path: `${c}/datasets/test`, expect: { ...activeParticipant, teamA: 404, teamB: 404 } },
    { method: 'POST', path: `${c}/phases/learning/submissions`, body: { archiveBytes: 5, mode: 'smoke' }, expect: activeParticipant },
    { method: 'GET', path: `${c}/phases/learning/quota`, expect: activeParticipant },
    { method: 'GET', path: `${c}/submissions`, expect: anyUser },
    { method: 'GET', path: `/submissions/${s}`, expect: teamAOnly },
    { method: 'GET', path: `/submissions/${s}/logs`, expect: teamAOnly },
    { method: 'GET', path: `/submissions/${s}/archive`, expect: teamAOnly },
    { method: 'POST', path: `/submissions/${s}/selection`, expect: teamAOnly },
    { method: 'DELETE', path: `/submissions/${s}/selection`, expect: teamAOnly },
    { method: 'POST', path: `/submissions/${s}/upload/complete`, body: { parts: [{ partNumber: 1, etag: 'x' }] }, expect: teamAOnly },
    { method: 'GET', path: `${a}/submissions`, expect: organiserOnly },
    { method: 'GET', path: `/admin/submissions/${s}`, expect: organiserOnly },
    { method: 'GET', path: `/admin/submissions/${s}/logs`, expect: organiserOnly },
    { method: 'POST', path: `/admin/submissions/${s}/baseline`, body: { baseline: false }, expect: organiserOnly },
    { method: 'POST', path: `${a}/teams/${t}/disqualify`, body: { reason: 'matrix test' }, expect: organiserOnly },
    { method: 'DELETE', path: `${a}/teams/${t}/disqualify`, body: { reason: 'matrix test' }, expect: organiserOnly },
    { method: 'GET', path: `${a}/participants?status=pending`, expect: organiserOnly },
    { method: 'POST', path: '/admin/challenges/manual/participants/nobody/approve', expect: organiserOnly },
    { method: 'POST', path: `${a}/phases/learning/resume`, expect: organiserOnly },
    { method: 'POST', path: `/admin/submissions/${s}/rescore`, expect: organiserOnly },
    { method: 'POST', path: `${a}/phases/learning/rescore`, expect: organiserOnly },
    { method: 'GET', path: '/admin/rescores/r-00000000000000000000', expect: organiserOnly },
    { method: 'POST', path: `${a}/phases/final/pause`, expect: organiserOnly },
    { method: 'GET', path: `${a}/phases/final/publication`, expect: organiserOnly },
    { method: 'POST', path: `${a}/phases/final/publish`, body: { force: true, reason: 'matrix test' }, expect: organiserOnly },
    { method: 'POST', path: `${a}/phases/final/unpublish`, body: { reason: 'matrix test' }, expect: organiserOnly },
    { method: 'GET', path: `${a}/access-log`, expect: organiserOnly },
    { method: 'GET', path: `${a}/audit-log`, expect: organiserOnly },
    { method: 'GET', path: `${a}/exports/submissions.csv`, expect: organiserOnly },
    { method: 'GET', path: `${a}/exports/access-log.csv`, expect: organiserOnly },
    { method: 'GET', path: `${a}/exports/leaderboard.csv?phase=learning`, expect: organiserOnly },
    { method: 'PUT', path: '/admin/challenges/tissuenet', body: { id: 'tissuenet' }, expect: organiserOnly },
    { method: 'POST', path: `/admin/submissions/${s}/cancel`, expect: organiserOnly },
    // Last: it changes the submission everyone else reads.
    { method: 'POST', path: `/submissions/${s}/cancel`, expect: teamAOnly },
  ];
});
afterAll(async () => {
  await fixture.close();
});

describe('authorization matrix', () => {
  it('answers every route for every caller as the matrix says', async () => {
    const failures: string[] = [];
    for (const row of rows) {
      for (const caller of CALLERS) {
        const response = await api.call(row.method, row.path, tokens[caller], row.body);
        const expected = row.expect[caller];
        const status = response.status;
        const body = status >= 400 ? ((await response.json()) as { error: string }) : undefined;
        const ok = expected === 'allow' ? ![401, 403].includes(status) && status < 500 : status === expected;
        if (!ok) failures.push(`${row.method} ${row.path} as ${caller}: expected ${expected}, got ${status} ${body ? JSON.stringify(body).slice(0, 160) : ''}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
