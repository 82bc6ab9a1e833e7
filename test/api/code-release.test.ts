import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { startApi, tissuenet } from './api-harness.ts';

/**
 * The winners' code release: after the phase is published, a winning team uploads its code with a
 * licence from the organisers' allow-list and a README; an organiser verifies it, and it appears
 * beside the leaderboard for anyone to download.
 */
const labels = tissuenetLabels([0, 1, 2, 3, 0, 1, 2, 3]);
const README = '# Our model\nA ResNet on level-2 tiles. Run `python main.py`.';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await startStorageFixture();
});
afterAll(() => fixture.close());

interface Upload {
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
}

async function post(upload: Upload, file: Buffer): Promise<number> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([file]), 'code.zip');
  return (await fetch(upload.url, { method: 'POST', body: form })).status;
}

/** Alice's team ranks first and Bob's second on the learning phase, which closes, then is published. */
async function setUp(winners: number) {
  const api = await startApi(fixture, [
    await tissuenet((c) => (c.codeRelease = { phase: 'learning', winners, licences: ['MIT', 'Apache-2.0'], maxArchiveMiB: 1 })),
  ]);
  await putLabels(api.ctx, 'tissuenet', 'test', labels.csv);
  const teams: Record<string, string> = {};
  for (const [name, predicted] of [
    ['alice', [0, 1, 2, 3, 0, 1, 2, 3]],
    ['bob', [0, 1, 2, 3, 3, 3, 3, 3]],
  ] as const) {
    const token = await api.competitor(`${name}@example.org`);
    const created = (await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', token, { archiveBytes: 10 })).json()) as {
      submission: { id: string; teamId: string };
    };
    teams[name] = created.submission.teamId;
    await submissionInScoring(api.ctx, {
      id: created.submission.id,
      challengeId: 'tissuenet',
      phaseId: 'learning',
      teamId: created.submission.teamId,
      predictions: tissuenetPredictions(labels.ids, [...predicted]),
    });
    await runScoringJob(api.ctx, created.submission.id, 1);
  }
  const tokens = async () => ({
    alice: await api.login('alice@example.org'),
    bob: await api.login('bob@example.org'),
    organiser: await api.login('org@example.org', 'organiser'),
  });
  const publish = async () => {
    api.clock.set('2027-03-02T00:00:00Z');
    const { organiser: fresh } = await tokens();
    expect((await api.call('POST', '/admin/challenges/tissuenet/phases/learning/publish', fresh)).status).toBe(200);
    return tokens();
  };
  const start = (token: string, body: Record<string, unknown> = {}) =>
    api.call('POST', '/challenges/tissuenet/code-release', token, { licence: 'MIT', readme: README, archiveBytes: 100, ...body });
  return { api, teams, publish, start };
}

describe("a winning team's code release", () => {
  it('opens only once the phase is published, and only to its winners', async () => {
    const { api, publish, start } = await setUp(1);
    const early = await start(await api.login('alice@example.org'));
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: 'INVALID_STATE', message: expect.stringContaining('not published yet') });
    const { bob } = await publish();
    const second = await start(bob);
    expect(second.status).toBe(403);
    expect((await second.json()) as { message: string }).toMatchObject({ message: expect.stringContaining('is not among the 1 winners of phase "learning"') });
  });

  it('refuses a licence outside the allow-list, naming the accepted ones, and an archive over the limit', async () => {
    const { publish, start } = await setUp(1);
    const { alice } = await publish();
    const licence = await start(alice, { licence: 'WTFPL' });
    expect(licence.status).toBe(400);
    expect(await licence.json()).toMatchObject({ message: 'licence "WTFPL" is not one the organisers accept; choose one of MIT, Apache-2.0' });
    const large = await start(alice, { archiveBytes: 2 * 1024 * 1024 });
    expect(large.status).toBe(400);
    expect(((await large.json()) as { message: string }).message).toContain("over this challenge's limit of 1 MiB");
    const blank = await start(alice, { readme: ' ' });
    expect(blank.status).toBe(400);
  });

  it('goes upload → complete → verified (audited once), then shows on the leaderboard and downloads for anyone', async () => {
    const { api, teams, publish, start } = await setUp(1);
    const { alice, organiser } = await publish();
    const started = await start(alice);
    expect(started.status).toBe(201);
    const { release, upload } = (await started.json()) as { release: { status: string; rank: number }; upload: Upload };
    expect(release).toMatchObject({ status: 'UPLOADING', rank: 1 });

    const early = await api.call('POST', '/challenges/tissuenet/code-release/complete', alice);
    expect(early.status).toBe(409);
    expect(((await early.json()) as { message: string }).message).toContain('has not arrived');
    // The upload URL holds to its size limit, as S3 does.
    expect(await post(upload, Buffer.alloc(upload.maxBytes + 1))).toBe(400);
    const archive = Buffer.from('PK\u0003\u0004 the winning code');
    expect(await post(upload, archive)).toBe(204);
    const completed = await api.call('POST', '/challenges/tissuenet/code-release/complete', alice);
    expect(await completed.json()).toMatchObject({ status: 'SUBMITTED', archiveBytes: archive.length });
    expect(await (await api.call('POST', '/challenges/tissuenet/code-release/complete', alice)).json()).toMatchObject({ status: 'SUBMITTED' });

    // Not public before an organiser verifies it.
    expect((await (await api.call('GET', '/challenges/tissuenet/code-releases')).json()) as unknown).toEqual({ releases: [] });
    expect((await api.call('GET', `/challenges/tissuenet/code-releases/${teams.alice}/archive`)).status).toBe(404);

    const verify = `/admin/challenges/tissuenet/code-releases/${teams.alice}/verify`;
    expect(await (await api.call('POST', verify, organiser)).json()).toMatchObject({ status: 'VERIFIED', licence: 'MIT' });
    expect(await (await api.call('POST', verify, organiser)).json()).toMatchObject({ status: 'VERIFIED' });
    const audit = (await (await api.call('GET', '/admin/challenges/tissuenet/audit-log', organiser)).json()) as {
      entries: { action: string; target: string }[];
    };
    expect(audit.entries.filter((entry) => entry.action === 'code-release.verify')).toEqual([expect.objectContaining({ target: teams.alice })]);

    const listed = (await (await api.call('GET', '/challenges/tissuenet/code-releases')).json()) as { releases: Record<string, unknown>[] };
    expect(listed.releases).toEqual([expect.objectContaining({ teamId: teams.alice, licence: 'MIT', readme: README, status: 'VERIFIED' })]);
    expect(listed.releases[0]).not.toHaveProperty('archiveKey');
    const board = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard?split=private')).json()) as {
      entries: { teamId: string; codeRelease?: { archive: string } }[];
    };
    const link = board.entries.find((entry) => entry.teamId === teams.alice)!.codeRelease!.archive;
    expect(board.entries.find((entry) => entry.teamId === teams.bob)!.codeRelease).toBeUndefined();
    const { url } = (await (await api.call('GET', link)).json()) as { url: string };
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(archive);

    const again = await start(alice);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toContain('was verified');
  });

  it('sends a rejected release back with its reason, and a new upload gets a key of its own', async () => {
    const { api, teams, publish, start } = await setUp(2);
    const { bob, organiser } = await publish();
    const first = (await (await start(bob)).json()) as { upload: Upload };
    expect(await post(first.upload, Buffer.from('no licence file'))).toBe(204);
    await api.call('POST', '/challenges/tissuenet/code-release/complete', bob);
    const reject = `/admin/challenges/tissuenet/code-releases/${teams.bob}/reject`;
    expect((await api.call('POST', reject, organiser, {})).status).toBe(400);
    expect(await (await api.call('POST', reject, organiser, { reason: 'the archive lacks the LICENSE file' })).json()).toMatchObject({ status: 'REJECTED' });
    // The team sees why; the public sees nothing.
    const own = (await (await api.call('GET', '/challenges/tissuenet/code-releases', bob)).json()) as { releases: Record<string, unknown>[] };
    expect(own.releases).toEqual([expect.objectContaining({ status: 'REJECTED', rejectionReason: 'the archive lacks the LICENSE file' })]);
    expect(await (await api.call('GET', '/challenges/tissuenet/code-releases')).json()).toEqual({ releases: [] });
    // Verifying a rejected release is refused: only a SUBMITTED one can be reviewed.
    expect((await api.call('POST', `/admin/challenges/tissuenet/code-releases/${teams.bob}/verify`, organiser)).status).toBe(409);

    const second = (await (await start(bob, { licence: 'Apache-2.0' })).json()) as { release: { attempt: number; status: string }; upload: Upload };
    expect(second.release).toMatchObject({ attempt: 2, status: 'UPLOADING' });
    expect(second.upload.fields.key).not.toBe(first.upload.fields.key);
  });

  it('is refused, saying why, on a challenge that takes no code releases', async () => {
    const api = await startApi(fixture, [await tissuenet((c) => delete c.codeRelease)]);
    const alice = await api.competitor('alice@example.org');
    const refused = await api.call('POST', '/challenges/tissuenet/code-release', alice, { licence: 'MIT', readme: README, archiveBytes: 100 });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toContain('takes no code releases');
  });
});
