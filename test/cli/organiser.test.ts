import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#shared/storage/table-design.ts';
import { createSubmissionRecord } from '#shared/submissions/submission-record.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { localSettings } from '../../local/local-config.ts';
import { cliUser, type CliRunner } from './run-cli.ts';

let platform: LocalPlatform;
let work: string;
let organiser: CliRunner;
let challengeDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-organiser-'));
  platform = await startLocalPlatform({ persist: false, seedExamples: false, settings: { ...localSettings(), dataDir: join(work, 'platform') } });
  organiser = await cliUser(platform.apiUrl);
  challengeDir = join(work, 'lung-nodules');
  const init = await organiser.run(['init', challengeDir]);
  expect(init.code, init.stderr).toBe(0);
});

afterAll(async () => {
  await platform?.close();
  await rm(work, { recursive: true, force: true });
});

const storageFlags = () => ['--s3-endpoint', platform.servers.s3Endpoint, '--dynamodb-endpoint', platform.servers.dynamoEndpoint];

describe('podium init and validate', () => {
  it('scaffolds a challenge that validates, data included', async () => {
    const result = await organiser.run(['--json', 'validate', challengeDir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ valid: true, challenge: 'lung-nodules', phases: ['main'], dataRoot: join(challengeDir, 'data') });
    const human = await organiser.run(['validate', challengeDir]);
    expect(human.stdout).toContain('✓');
    expect(human.stdout).toContain('train (training), smoke (smoke), test (hidden)');
  });

  it('refuses to scaffold into a folder that is not empty', async () => {
    const result = await organiser.run(['init', challengeDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('already exists and is not empty');
    expect(result.stderr).toContain('--force');
  });

  it('names each invalid field of a broken definition, as text and as JSON', async () => {
    const broken = join(work, 'broken');
    expect((await organiser.run(['init', broken, '--id', 'broken'])).code).toBe(0);
    const yaml = await readFile(join(broken, 'challenge.yaml'), 'utf8');
    await writeFile(join(broken, 'challenge.yaml'), yaml.replace(/closes: "[^"]+"/, 'closes: "2001-01-01T00:00:00Z"').replace('maxSize: 3', 'maxSize: 0'));
    const human = await organiser.run(['validate', broken]);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('phases[0].closes: must be after opens');
    expect(human.stderr).toContain('teams.maxSize');
    const json = await organiser.run(['--json', 'validate', broken]);
    expect(json.code).toBe(1);
    const body = json.json<{ error: string; details: { issues: { field: string }[] } }>();
    expect(body.error).toBe('CHALLENGE_INVALID');
    expect(body.details.issues.map((issue) => issue.field)).toEqual(expect.arrayContaining(['phases[0].closes', 'teams.maxSize']));
  });

  it('reports a dataset folder that lacks its labels', async () => {
    const missing = join(work, 'missing-labels');
    expect((await organiser.run(['init', missing])).code).toBe(0);
    await rm(join(missing, 'data', 'test', 'labels.csv'));
    const result = await organiser.run(['validate', missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('datasets.test: labels.csv is missing');
  });

  it('checks a sample predictions file against the format and the smoke ids', async () => {
    const good = join(work, 'good.csv');
    const ids = (await readFile(join(challengeDir, 'data/smoke/inputs/submission_format.csv'), 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]);
    await writeFile(good, ['case_id,positive', ...ids.map((id) => `${id},0.25`)].join('\n'));
    const ok = await organiser.run(['validate', challengeDir, '--predictions', good, '--phase', 'main']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`${ids.length} rows match`);

    const bad = join(work, 'bad.csv');
    await writeFile(bad, ['case_id,positive', ...ids.slice(1).map((id) => `${id},1.5`)].join('\n'));
    const refused = await organiser.run(['--json', 'validate', challengeDir, '--predictions', bad]);
    expect(refused.code).toBe(1);
    const body = refused.json<{ error: string; details: { counts: { missingIds: number; badValues: number } } }>();
    expect(body.error).toBe('PREDICTIONS_INVALID');
    expect(body.details.counts.missingIds).toBe(1);
    // Smoke ids are not secret: the message names the missing one.
    expect((await organiser.run(['validate', challengeDir, '--predictions', bad])).stderr).toContain(
      `1 expected id is missing (of ${ids.length}): "${ids[0]}"`,
    );
    expect(body.details.counts.badValues).toBeGreaterThan(0);
  });
});

describe('podium upload-data', () => {
  it('uploads the datasets with progress, registers the challenge, and skips unchanged files the second time', async () => {
    const first = await organiser.run(['upload-data', challengeDir, ...storageFlags()]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/✓ lung-nodules: \d+ files uploaded, 0 unchanged/);
    expect(first.stderr).toContain('+ smoke/inputs/features.csv');
    expect(first.stderr).toContain('100%');

    const listed = await organiser.run(['--json', 'challenges']);
    expect(listed.json<{ challenges: { id: string }[] }>().challenges.map((c) => c.id)).toContain('lung-nodules');

    const second = await organiser.run(['--json', 'upload-data', challengeDir, ...storageFlags()]);
    expect(second.code).toBe(0);
    expect(second.json()).toMatchObject({ uploaded: 0, definitionChanged: false });
    expect(second.json<{ skipped: number }>().skipped).toBeGreaterThan(0);
  });

  it('sends a file of 64 MiB or more in checksummed parts with a progress bar, and skips it once stored', async () => {
    const slide = join(challengeDir, 'data', 'train', 'slide-001.tif');
    await writeFile(slide, randomBytes(66 * 1024 * 1024));
    try {
      const first = await organiser.run(['upload-data', challengeDir, '--part-size', '5', ...storageFlags()]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/✓ lung-nodules: 1 files uploaded, \d+ unchanged, 66\.\d MB sent/);
      expect(first.stderr).toContain('… train/slide-001.tif (66.0 MB): computing its SHA-256');
      expect(first.stderr).toContain('+ train/slide-001.tif (66.0 MB in 14 parts)');
      expect(first.stderr).toMatch(/100% [\d.]+ MB\/[\d.]+ MB/);
      expect(await readdir(join(organiser.configDir, 'uploads')).catch(() => [])).toEqual([]);

      const second = await organiser.run(['--json', 'upload-data', challengeDir, ...storageFlags()]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.json()).toMatchObject({ uploaded: 0, resumed: 0, bytesSent: 0 });
      expect(second.stderr).not.toContain('%');
    } finally {
      await rm(slide);
    }
  });

  it('refuses a part size S3 would reject', async () => {
    const result = await organiser.run(['upload-data', challengeDir, '--part-size', '4', ...storageFlags()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--part-size must be a whole number of MiB from 5 to 5120, got 4');
  });

  it('exits 3 naming the endpoint when storage cannot be reached', async () => {
    const result = await organiser.run(['upload-data', challengeDir, '--s3-endpoint', 'http://127.0.0.1:9', '--dynamodb-endpoint', 'http://127.0.0.1:9']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot reach storage at http://127.0.0.1:9');
  });

  it('asks for the deployed names before writing to AWS', async () => {
    const result = await organiser.run(['upload-data', challengeDir, '--aws'], {
      env: { PODIUM_TABLE: '', PODIUM_DATASETS_BUCKET: '', PODIUM_HIDDEN_BUCKET: '' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--table, --datasets-bucket, --hidden-bucket');
  });
});

describe('podium publish', () => {
  it('refuses an open phase without --force (exit 1), shows what becomes visible, and asks before publishing', async () => {
    const admin = await cliUser(platform.apiUrl);
    expect((await admin.run(['login', '--email', 'org@example.org', '--role', 'organiser'])).code).toBe(0);
    const phase = ['lung-nodules', '--phase', 'main'];

    const refused = await admin.run(['publish', ...phase, '--yes']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toContain('the private leaderboard, 0 teams');
    expect(refused.stdout).toContain('the private and overall score of every submission (0 scored so far)');
    expect(refused.stderr).toMatch(/phase main of lung-nodules is open until \d{4}-\d\d-\d\dT/);
    expect(refused.stderr).toContain('podium publish lung-nodules --phase main --force --reason');

    expect((await admin.run(['publish', ...phase, '--force'])).stderr).toContain('--force needs --reason');
    const unconfirmed = await admin.run(['publish', ...phase, '--force', '--reason', 'rehearsal']);
    expect(unconfirmed.code).toBe(2); // it asks, and stdin is not a terminal
    expect(unconfirmed.stderr).toContain('--yes');

    const forced = await admin.run(['publish', ...phase, '--force', '--reason', 'rehearsal', '--yes']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('The phase is still open');
    expect(forced.stdout).toContain('✓ lung-nodules/main: leaderboard published');

    expect((await admin.run(['publish', ...phase, '--undo'])).code).toBe(2);
    const undone = await admin.run(['--json', 'publish', ...phase, '--undo', '--reason', 'rehearsal over']);
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.json()).toMatchObject({ published: false });
  });
});

describe('podium select', () => {
  it('selects a scored submission for the private board, clears it, and exits 1 on one it cannot select', async () => {
    const cara = await cliUser(platform.apiUrl);
    expect((await cara.run(['login', '--email', 'cara@example.org'])).code).toBe(0);
    expect((await cara.run(['join', 'lung-nodules', '--yes'])).code).toBe(0);
    const team = await cara.run(['--json', 'team', 'create', 'Cara', '--challenge', 'lung-nodules']);
    const { teamId } = team.json<{ teamId: string }>();
    // A scored submission of Cara's team, as the scoring job leaves it.
    await createSubmissionRecord(platform.ctx, {
      id: 's-cli-select',
      challengeId: 'lung-nodules',
      phaseId: 'main',
      teamId,
      submittedBy: 'cara',
      mode: 'scored',
      archiveKey: 'unused',
    });
    await platform.ctx.db.send(
      new UpdateCommand({
        TableName: platform.ctx.config.tableName,
        Key: keys.submission('s-cli-select'),
        UpdateExpression: 'SET #status = :scored, scores = :scores',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':scored': 'SCORED',
          ':scores': { overall: 0.3, public: 0.3, private: 0.3, scorerVersion: 'test', scoredAt: new Date().toISOString() },
        },
      }),
    );

    const selected = await cara.run(['select', 's-cli-select']);
    expect(selected.code, selected.stderr).toBe(0);
    expect(selected.stdout).toContain('✓ s-cli-select selected for the private leaderboard.');
    expect(selected.stdout).toContain('Selected in main (1 of 2): s-cli-select');
    const cleared = await cara.run(['--json', 'select', '--clear', 's-cli-select']);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.json()).toMatchObject({ phaseId: 'main', limit: 2, selected: [] });
    const unknown = await cara.run(['select', 's-nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');
  });
});

describe('podium score', () => {
  it('scores predictions offline with public and private splits, and explains invalid ones', async () => {
    const labels = join(challengeDir, 'data/test/labels.csv');
    const perfect = join(work, 'perfect.csv');
    const rows = (await readFile(labels, 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    await writeFile(perfect, ['case_id,positive', ...rows.map(([id, label]) => `${id},${label}`)].join('\n'));
    const scored = await organiser.run(['--json', 'score', '--challenge', challengeDir, '--phase', 'main', perfect, labels]);
    expect(scored.code, scored.stderr).toBe(0);
    const body = scored.json<{ ok: boolean; scores: { overall: number; public: number; private: number } }>();
    expect(body.ok).toBe(true);
    expect(body.scores.overall).toBeLessThan(1e-6);
    expect(body.scores.public).toBeDefined();
    expect(body.scores.private).toBeDefined();

    const invalid = await organiser.run(['score', '--challenge', challengeDir, '--phase', 'main', labels, labels]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toContain('unexpected column(s) "usage"');
  });
});
