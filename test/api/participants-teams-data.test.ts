import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair } from 'jose';
import { neutraliseCell } from '#shared/exports/csv.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { devUserId } from '#shared/identity/dev-issuer.ts';
import { soloTeamId } from '#shared/teams/team-record.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { seedTrainingFiles, startApi, tissuenet } from './api-harness.ts';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await startStorageFixture();
});
afterAll(async () => {
  await fixture.close();
});

describe('identity', () => {
  it('accepts dev-issuer tokens, refuses forged and malformed ones, and never shows a stack', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const login = (await (await api.call('POST', '/dev/login', undefined, { email: 'Ada@Example.org', role: 'organiser' })).json()) as {
      token: string;
      userId: string;
    };
    const me = (await (await api.call('GET', '/me', login.token)).json()) as { userId: string; email: string; organiser: boolean };
    expect(me).toMatchObject({ userId: login.userId, email: 'ada@example.org', organiser: true });
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ email: 'ada@example.org', 'cognito:groups': ['organisers'] })
      .setProtectedHeader({ alg: 'ES256', kid: api.issuer.jwks.keys[0]!.kid! })
      .setIssuer('podium-local')
      .setAudience('podium-local-client')
      .setSubject(login.userId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    const refused = await api.call('GET', '/me', forged);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'UNAUTHENTICATED' });
    expect((await api.call('GET', '/me', undefined, undefined, { authorization: 'Basic abc' })).status).toBe(401);
    const malformed = await api.call('POST', '/dev/login', undefined, '{not json');
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(await malformed.json())).not.toContain('at ');
  });
});

describe('registration and rules', () => {
  it('enforces email domains, manual approval and re-acceptance after a rules change', async () => {
    const manual = await tissuenet((c) => {
      c.registration = { approval: 'manual', allowedEmailDomains: ['chu-example.fr'], questions: [] };
    });
    const api = await startApi(fixture, [manual]);
    const outsider = await api.login('eve@gmail.com');
    const wrongDomain = await api.call('POST', '/challenges/tissuenet/registration', outsider, { rulesVersion: manual.rulesVersion });
    expect(await wrongDomain.json()).toMatchObject({ error: 'EMAIL_DOMAIN_NOT_ALLOWED' });
    const doctor = await api.login('dr@lab.chu-example.fr');
    const stale = await api.call('POST', '/challenges/tissuenet/registration', doctor, { rulesVersion: 'old' });
    expect(await stale.json()).toMatchObject({ error: 'CONFLICT', details: { currentRulesVersion: manual.rulesVersion } });
    const pending = await api.call('POST', '/challenges/tissuenet/registration', doctor, { rulesVersion: manual.rulesVersion });
    expect(await pending.json()).toMatchObject({ status: 'pending', acceptedRulesVersion: manual.rulesVersion, acceptedAt: '2026-06-01T12:00:00.000Z' });
    expect(await (await api.call('GET', '/challenges/tissuenet/datasets/train', doctor)).json()).toMatchObject({ error: 'REGISTRATION_PENDING' });
    const organiser = await api.login('org@chu-example.fr', 'organiser');
    const list = (await (await api.call('GET', '/admin/challenges/tissuenet/participants?status=pending', organiser)).json()) as {
      participants: { userId: string }[];
    };
    expect(list.participants).toHaveLength(1);
    expect((await api.call('POST', `/admin/challenges/tissuenet/participants/${list.participants[0]!.userId}/approve`, organiser)).status).toBe(200);
    await seedTrainingFiles(api.ctx, 'tissuenet', 'train');
    expect((await api.call('GET', '/challenges/tissuenet/datasets/train', doctor)).status).toBe(200);

    // The organiser changes the rules: downloads and submissions wait for a new acceptance.
    const { descriptionMarkdown, rulesMarkdown, rulesVersion: _old, ...file } = manual;
    const updated = await api.call('PUT', '/admin/challenges/tissuenet', organiser, {
      ...file,
      descriptionMarkdown,
      rulesMarkdown: `${rulesMarkdown}\n\nNew clause.`,
    });
    const { rulesVersion } = (await updated.json()) as { rulesVersion: string };
    expect(rulesVersion).not.toBe(manual.rulesVersion);
    expect(await (await api.call('GET', '/challenges/tissuenet/datasets/train', doctor)).json()).toMatchObject({ error: 'RULES_NOT_ACCEPTED' });
    expect(await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', doctor, { archiveBytes: 1 })).json()).toMatchObject({
      error: 'RULES_NOT_ACCEPTED',
    });
    expect((await api.call('POST', '/challenges/tissuenet/registration', doctor, { rulesVersion })).status).toBe(200);
    expect((await api.call('GET', '/challenges/tissuenet/datasets/train', doctor)).status).toBe(200);
    const invalid = await api.call('PUT', '/admin/challenges/tissuenet', organiser, { ...file, phases: [], descriptionMarkdown, rulesMarkdown });
    // Every issue is named: the empty phases, and what referred to them (the code release's phase).
    expect(await invalid.json()).toMatchObject({ error: 'CHALLENGE_INVALID', details: { issues: [{ field: 'phases' }, { field: 'codeRelease.phase' }] } });
  });
});

describe('rejecting and revoking a registration', () => {
  it('refuses a rejected or revoked participant the data and submissions with its own error, tells them why, and audits each decision once', async () => {
    const manual = await tissuenet((c) => {
      c.registration = { approval: 'manual', allowedEmailDomains: [], questions: [] };
    });
    const api = await startApi(fixture, [manual]);
    await seedTrainingFiles(api.ctx, 'tissuenet', 'train');
    const organiser = await api.login('org@chu-example.fr', 'organiser');
    const join = async (email: string) => {
      const token = await api.login(email);
      await api.call('POST', '/challenges/tissuenet/registration', token, { rulesVersion: manual.rulesVersion });
      return { token, userId: ((await (await api.call('GET', '/me', token)).json()) as { userId: string }).userId };
    };
    const spammer = await join('spam@example.org');
    const doctor = await join('dr@example.org');
    const admin = (path: string, body?: unknown) => api.call('POST', `/admin/challenges/tissuenet/participants/${path}`, organiser, body);

    const rejected = await admin(`${spammer.userId}/reject`, { reason: 'not a research affiliation' });
    expect(await rejected.json()).toMatchObject({ status: 'rejected', refusalReason: 'not a research affiliation' });
    expect(await (await admin(`${spammer.userId}/reject`, {})).json()).toMatchObject({ status: 'rejected' });
    const refusedDownload = await api.call('GET', '/challenges/tissuenet/datasets/train', spammer.token);
    expect(refusedDownload.status).toBe(403);
    expect(await refusedDownload.json()).toMatchObject({ error: 'REGISTRATION_REJECTED', message: expect.stringContaining('not a research affiliation') });
    expect(await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', spammer.token, { archiveBytes: 1 })).json()).toMatchObject({
      error: 'REGISTRATION_REJECTED',
    });
    const inbox = (await (await api.call('GET', '/me/notifications', spammer.token)).json()) as { notifications: { type: string; text: string }[] };
    expect(inbox.notifications).toEqual([
      expect.objectContaining({ type: 'registration.rejected', text: expect.stringContaining('not a research affiliation') }),
    ]);

    // Only an approved registration can be revoked; a pending one is rejected instead.
    expect(await (await admin(`${doctor.userId}/revoke`, {})).json()).toMatchObject({ error: 'INVALID_STATE', details: { status: 'pending' } });
    await admin(`${doctor.userId}/approve`);
    expect((await api.call('GET', '/challenges/tissuenet/datasets/train', doctor.token)).status).toBe(200);
    expect(await (await admin(`${doctor.userId}/revoke`)).json()).toMatchObject({ status: 'revoked' });
    expect(await (await api.call('GET', '/challenges/tissuenet/datasets/train', doctor.token)).json()).toMatchObject({ error: 'REGISTRATION_REVOKED' });
    expect((await admin('nobody/reject', {})).status).toBe(404);
    expect(await (await admin(`${doctor.userId}/reject`, { reason: 'x' })).json()).toMatchObject({ error: 'VALIDATION_FAILED' });

    // The organiser changes their mind: approving again lets the participant back in.
    expect(await (await admin(`${doctor.userId}/approve`)).json()).toMatchObject({ status: 'approved' });
    expect((await api.call('GET', '/challenges/tissuenet/datasets/train', doctor.token)).status).toBe(200);
    const refusedList = (await (await api.call('GET', '/admin/challenges/tissuenet/participants?status=rejected', organiser)).json()) as {
      participants: { userId: string }[];
    };
    expect(refusedList.participants.map((p) => p.userId)).toEqual([spammer.userId]);
    const audit = (await (await api.call('GET', '/admin/challenges/tissuenet/audit-log', organiser)).json()) as {
      entries: { action: string; target: string }[];
    };
    // One entry per decision (the clock is frozen in tests, so compared as a multiset).
    const decisions = audit.entries.filter((entry) => entry.action.startsWith('participant.'));
    expect(decisions.map((entry) => `${entry.action} ${entry.target === spammer.userId ? 'spam' : 'dr'}`).sort()).toEqual([
      'participant.approve dr',
      'participant.approve dr',
      'participant.reject spam',
      'participant.revoke dr',
    ]);
  });
});

describe('registering a challenge with a scoring program', () => {
  it('takes the program text with the definition, records its digest, and names the field when it is missing or misplaced', async () => {
    const api = await startApi(fixture, []);
    const organiser = await api.login('org@chu-example.fr', 'organiser');
    const { descriptionMarkdown, rulesMarkdown, rulesVersion: _version, scoringProgram, ...file } = await loadChallenge('examples/visiomel');
    const put = (body: Record<string, unknown>) =>
      api.call('PUT', '/admin/challenges/visiomel', organiser, { ...file, descriptionMarkdown, rulesMarkdown, ...body });

    expect(await (await put({})).json()).toMatchObject({
      error: 'VALIDATION_FAILED',
      details: { issues: [{ field: 'body.scoringProgramSource', message: 'is required with a program metric: the text of score.py' }] },
    });
    const empty = await put({ scoringProgramSource: '' });
    expect(await empty.json()).toMatchObject({ error: 'VALIDATION_FAILED', message: 'body.scoringProgramSource: is empty' });
    expect((await put({ scoringProgramSource: scoringProgram!.source })).status).toBe(200);
    expect((await getChallenge(api.ctx, 'visiomel')).scoringProgram).toEqual(scoringProgram);
    // The program is the organisers': the public view names the metric, never the program's text.
    const view = await (await api.call('GET', '/challenges/visiomel')).text();
    expect(view).toContain('"kind":"program"');
    expect(view).not.toContain('compute_sample_weight');

    const builtIn = { metric: { kind: 'log-loss', eps: 1e-16 }, secondaryMetrics: [] };
    const misplaced = await put({ ...builtIn, scoringProgramSource: 'print(1)' });
    const refusal = 'body.scoringProgramSource: is only allowed with a program metric';
    expect(await misplaced.json()).toMatchObject({ error: 'VALIDATION_FAILED', message: refusal });
  });
});

describe('teams', () => {
  it('creates, joins by invite code, enforces the size and one team per participant', async () => {
    const api = await startApi(fixture, [
      await tissuenet((c) => {
        c.teams.maxSize = 2;
      }),
    ]);
    const [a, b, c] = await Promise.all(['a@x.org', 'b@x.org', 'c@x.org'].map((email) => api.competitor(email)));
    const team = (await (await api.call('POST', '/challenges/tissuenet/teams', a!, { name: 'Cervix Crew' })).json()) as { teamId: string; inviteCode: string };
    expect((await api.call('POST', '/challenges/tissuenet/teams', a!, { name: 'Second' })).status).toBe(409);
    expect((await api.call('POST', '/challenges/tissuenet/teams/join', b!, { inviteCode: team.inviteCode })).status).toBe(200);
    const full = await api.call('POST', '/challenges/tissuenet/teams/join', c!, { inviteCode: team.inviteCode });
    expect(await full.json()).toMatchObject({ error: 'TEAM_FULL' });
    const mine = (await (await api.call('GET', '/challenges/tissuenet/teams/mine', b!)).json()) as { teamId: string; members: string[] };
    expect(mine.teamId).toBe(team.teamId);
    expect(mine.members).toHaveLength(2);
    expect((await api.call('POST', '/challenges/tissuenet/teams/leave', b!)).status).toBe(200);
    expect((await api.call('POST', '/challenges/tissuenet/teams/join', c!, { inviteCode: team.inviteCode })).status).toBe(200);
  });

  it("shows teammates each member's public handle, from the display name, never an e-mail", async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const ada = await api.competitor('ada@x.org');
    await api.competitor('bea@x.org');
    // Bea's identity provider gives her a display name; joining records it for her teammates.
    const bea = await api.issuer.mint('bea@x.org', 'competitor', api.clock.now(), undefined, 'Béa Martin');
    const team = (await (await api.call('POST', '/challenges/tissuenet/teams', ada, { name: 'Cervix Crew' })).json()) as { inviteCode: string };
    expect((await api.call('POST', '/challenges/tissuenet/teams/join', bea.token, { inviteCode: team.inviteCode })).status).toBe(200);

    const body = await (await api.call('GET', '/challenges/tissuenet/teams/mine', ada)).text();
    const mine = JSON.parse(body) as { members: string[]; memberHandles: { userId: string; handle: string }[] };

    const adaId = devUserId('ada@x.org');
    const expected = [
      { userId: adaId, handle: `participant${soloTeamId(adaId).slice(5, 11)}` },
      { userId: bea.userId, handle: 'béamartin' },
    ].sort((x, y) => x.userId.localeCompare(y.userId));
    expect(mine.memberHandles).toEqual(expected);
    expect(mine.members).toEqual(expected.map(({ userId }) => userId));
    expect(body).not.toContain('@x.org');
  });

  it("exports a member's display name and, once they erase their data, shows teammates the stand-in handle instead", async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    await api.competitor('ada@x.org');
    const bob = await api.competitor('bob@x.org');
    const ada = (await api.issuer.mint('ada@x.org', 'competitor', api.clock.now(), undefined, 'Ada Lovelace')).token;
    const team = (await (await api.call('POST', '/challenges/tissuenet/teams', ada, { name: 'Engines' })).json()) as { inviteCode: string };
    await api.call('POST', '/challenges/tissuenet/teams/join', bob, { inviteCode: team.inviteCode });
    const handles = async () =>
      ((await (await api.call('GET', '/challenges/tissuenet/teams/mine', bob)).json()) as { memberHandles: { handle: string }[] }).memberHandles.map(
        ({ handle }) => handle,
      );
    expect(await handles()).toContain('adalovelace');
    const exported = (await (await api.call('GET', '/me/personal-data', ada)).json()) as { registrations: { displayName?: string }[] };
    expect(exported.registrations).toEqual([expect.objectContaining({ displayName: 'Ada Lovelace' })]);

    expect((await api.call('POST', '/me/erasure', ada, { confirmEmail: 'ada@x.org' })).status).toBe(200);
    expect(await handles()).not.toContain('adalovelace');
    expect(await handles()).toContain(`participant${soloTeamId(devUserId('ada@x.org')).slice(5, 11)}`);
  });

  it('lets an organiser disqualify a team and reinstate it with POST …/reinstate, both in the audit log', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const competitor = await api.competitor('a@x.org');
    const team = (await (await api.call('POST', '/challenges/tissuenet/teams', competitor, { name: 'Cervix Crew' })).json()) as { teamId: string };
    const organiser = await api.login('org@x.org', 'organiser');
    const teamPath = `/admin/challenges/tissuenet/teams/${team.teamId}`;

    const disqualified = await api.call('POST', `${teamPath}/disqualify`, organiser, { reason: 'shared accounts' });
    const noReason = await api.call('POST', `${teamPath}/reinstate`, organiser, {});
    const reinstated = await api.call('POST', `${teamPath}/reinstate`, organiser, { reason: 'appeal upheld' });

    expect(await disqualified.json()).toMatchObject({ teamId: team.teamId, disqualified: true, disqualifiedReason: 'shared accounts' });
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringContaining('body.reason') });
    expect(reinstated.status).toBe(200);
    expect(await reinstated.json()).toMatchObject({ teamId: team.teamId, disqualified: false });
    const audit = (await (await api.call('GET', '/admin/challenges/tissuenet/audit-log', organiser)).json()) as {
      entries: { action: string; reason?: string }[];
    };
    expect(audit.entries.map(({ action }) => action)).toEqual(expect.arrayContaining(['team.disqualify', 'team.reinstate']));
  });

  it("merges teams only while the merged team's submissions fit the quota", async () => {
    const api = await startApi(fixture, [
      await tissuenet((c) => {
        c.phases[0]!.quota = { perDay: 1, concurrent: 1, countFailed: true };
      }),
    ]);
    const a = await api.competitor('ma@x.org');
    const b = await api.competitor('mb@x.org');
    const solo = (await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', a, { archiveBytes: 1 })).json()) as {
      submission: { id: string };
    };
    await api.call('POST', `/submissions/${solo.submission.id}/cancel`, a); // refunded: no longer counts
    const teamB = (await (await api.call('POST', '/challenges/tissuenet/teams', b, { name: 'B team' })).json()) as { teamId: string; inviteCode: string };
    await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', b, { archiveBytes: 1 });
    const busy = await api.call('POST', '/challenges/tissuenet/teams/merge', a, { inviteCode: teamB.inviteCode });
    expect(busy.status).toBe(200); // a's team has nothing in flight and 0 + 1 ≤ 1 today
    expect(((await busy.json()) as { members: string[] }).members).toHaveLength(2);
    const list = (await (await api.call('GET', '/challenges/tissuenet/submissions', a)).json()) as { submissions: { id: string }[] };
    expect(list.submissions.map((s) => s.id)).toContain(solo.submission.id);
    api.clock.set('2027-02-15T00:00:00Z');
    const c = await api.competitor('mc@x.org');
    const late = await api.call('POST', '/challenges/tissuenet/teams/merge', c, { inviteCode: teamB.inviteCode });
    expect(await late.json()).toMatchObject({ error: 'TEAM_MERGE_NOT_ALLOWED' });
  });
});

describe('data access and exports', () => {
  it('issues short-lived URLs for training data, logs each one, and never signs hidden data', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    await seedTrainingFiles(api.ctx, 'tissuenet', 'train');
    const token = await api.competitor('reader@x.org');
    const files = (await (await api.call('GET', '/challenges/tissuenet/datasets/train', token)).json()) as {
      files: { path: string; url: string; expiresAt: string }[];
    };
    expect(files.files).toHaveLength(1);
    expect(files.files[0]!.expiresAt).toBe('2026-06-01T12:15:00.000Z');
    expect(await (await fetch(files.files[0]!.url)).text()).toBe('id,label\n1,0\n');
    expect((await api.call('GET', '/challenges/tissuenet/datasets/test', token)).status).toBe(404);
    const organiser = await api.login('o@x.org', 'organiser');
    const log = (await (await api.call('GET', '/admin/challenges/tissuenet/access-log', organiser)).json()) as { entries: { email: string; path: string }[] };
    expect(log.entries).toEqual([expect.objectContaining({ email: 'reader@x.org', path: 'labels.csv', datasetId: 'train' })]);
    const csv = await (await api.call('GET', '/admin/challenges/tissuenet/exports/access-log.csv', organiser)).text();
    expect(csv.split('\r\n')[1]).toContain('reader@x.org');
  });

  it('neutralises spreadsheet formulas in exported team names', async () => {
    for (const cell of ['=HYPERLINK("x")', '+1', '-2', '@SUM(A1)', '\tx', '\rx']) expect(neutraliseCell(cell).replace(/^"/, '').startsWith("'")).toBe(true);
    expect(neutraliseCell(-2)).toBe('-2');
    const api = await startApi(fixture, [await tissuenet()]);
    const token = await api.competitor('evil@x.org');
    await api.call('POST', '/challenges/tissuenet/teams', token, { name: '=cmd|calc' });
    await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', token, { archiveBytes: 1 });
    const organiser = await api.login('o@x.org', 'organiser');
    const csv = await (await api.call('GET', '/admin/challenges/tissuenet/exports/submissions.csv?phase=learning', organiser)).text();
    expect(csv).toContain(`"'=cmd|calc"`);
    expect(csv).not.toMatch(/(^|,)=cmd/m);
  });
});
