import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { cliUser, TISSUENET_ANSWERS, type CliRunner } from './run-cli.ts';

let work: string;
let first: LocalPlatform | undefined;
let second: LocalPlatform | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-archive-'));
});

afterAll(async () => {
  await first?.close();
  await second?.close();
  await rm(work, { recursive: true, force: true });
});

const boards = async (organiser: CliRunner) => {
  const read = async (split: string) =>
    (await organiser.run(['--json', 'leaderboard', 'tissuenet', '--phase', 'learning', '--split', split])).json<{ entries: unknown[] }>().entries;
  return { public: await read('public'), private: await read('private') };
};

describe('podium export --all and podium restore', () => {
  it('restores the demo challenge into a fresh local stack with the same leaderboards; a pseudonymised archive names nobody', async () => {
    first = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir: join(work, 'first') } });
    const [ada, grace, organiser] = await Promise.all([cliUser(first.apiUrl), cliUser(first.apiUrl), cliUser(first.apiUrl)]);
    for (const [user, email, role] of [
      [ada, 'ada@example.org', 'competitor'],
      [grace, 'grace@example.org', 'competitor'],
      [organiser, 'org@example.org', 'organiser'],
    ] as const) {
      expect((await user.run(['login', '--email', email, '--role', role])).code).toBe(0);
    }
    for (const user of [ada, grace]) expect((await user.run(['join', 'tissuenet', '--yes', ...TISSUENET_ANSWERS])).code).toBe(0);
    expect((await ada.run(['team', 'create', 'Ada Lovelace and friends'])).code).toBe(0);
    for (const [user, folder] of [
      [ada, 'examples/tissuenet/baseline'],
      [grace, 'examples/tissuenet/submissions/unseeded-random'],
    ] as const) {
      const submitted = await user.run(['submit', folder, '--phase', 'learning', '--poll-interval', '0.5', '--timeout', '300']);
      expect(submitted.code, submitted.stdout + submitted.stderr).toBe(0);
    }
    const before = await boards(organiser);
    expect(before.public).toHaveLength(2);

    const archiveFile = join(work, 'archive.json');
    const exported = await organiser.run(['--json', 'export', 'tissuenet', '--all', '-o', archiveFile]);
    expect(exported.code, exported.stderr).toBe(0);
    const pseudonymousFile = join(work, 'pseudonymous.json');
    expect((await organiser.run(['export', 'tissuenet', '--all', '--pseudonymise', '-o', pseudonymousFile])).code).toBe(0);
    const plain = await readFile(archiveFile, 'utf8');
    const pseudonymous = await readFile(pseudonymousFile, 'utf8');
    expect(plain).toContain('ada@example.org');
    expect(plain).toContain('Ada Lovelace and friends');
    const adaId = (await ada.run(['--json', 'whoami'])).json<{ userId: string }>().userId;
    for (const identifying of ['ada@example.org', 'grace@example.org', 'Ada Lovelace and friends', adaId]) expect(pseudonymous).not.toContain(identifying);
    expect(pseudonymous).toContain('@pseudonymised.invalid');
    await first.close();
    first = undefined;

    second = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir: join(work, 'second') } });
    const organiserThere = await cliUser(second.apiUrl);
    expect((await organiserThere.run(['login', '--email', 'org@example.org', '--role', 'organiser'])).code).toBe(0);
    expect((await boards(organiserThere)).public).toEqual([]);
    const restored = await organiserThere.run(['--json', 'restore', archiveFile]);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(restored.json<{ written: number }>().written).toBeGreaterThan(10);
    expect(await boards(organiserThere)).toEqual(before);

    // Restoring again writes nothing; a file that is not an archive is refused by name.
    expect((await organiserThere.run(['--json', 'restore', archiveFile])).json()).toMatchObject({ written: 0 });
    const notArchive = await organiserThere.run(['--json', 'restore', join(work, 'missing.json')]);
    expect(notArchive.json()).toMatchObject({ error: 'ARCHIVE_INVALID' });
  }, 600_000);
});
