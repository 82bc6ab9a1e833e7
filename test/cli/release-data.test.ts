import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '#shared/audit/audit-log.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { cliUser, type CliRunner } from './run-cli.ts';

let platform: LocalPlatform;
let work: string;
let organiser: CliRunner;
let card: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-release-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir: join(work, 'platform') } });
  organiser = await cliUser(platform.apiUrl);
  expect((await organiser.run(['login', '--email', 'org@example.org', '--role', 'organiser'])).code).toBe(0);
  card = join(work, 'card.yaml');
  await writeFile(
    card,
    [
      'description: Synthetic cases for a closed challenge.',
      'licence: CC-BY-4.0',
      'citation: "Podium demo (2026)"',
      'anonymisation: Synthetic data; no person is described.',
      '',
    ].join('\n'),
  );
}, 180_000);

afterAll(async () => {
  await platform?.close();
  await rm(work, { recursive: true, force: true });
});

describe('podium release-data', () => {
  it('refuses, writing nothing, while a phase using the data has not closed', async () => {
    const out = join(work, 'too-early');
    const data = join(work, 'platform', 'generated', 'tissuenet');
    const refused = await organiser.run(['--json', 'release-data', 'examples/tissuenet', '--datasets', 'test', '--card', card, '-o', out, '--data', data]);
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({
      error: 'INVALID_STATE',
      message: expect.stringContaining('dataset "test" is used by phase "learning", which closes 2027-03-01T00:00:00Z'),
    });
    expect(existsSync(out)).toBe(false);
    expect((await listAudit(platform.ctx, 'tissuenet')).filter((entry) => entry.action === 'data.released')).toEqual([]);
  });

  it('releases a closed challenge: files, a manifest whose checksums match (sha256sum -c), the data card, the final board; audit-logged', async () => {
    const dir = join(work, 'closed-challenge');
    expect((await organiser.run(['init', dir, '--id', 'closed'])).code).toBe(0);
    const definition = await readFile(join(dir, 'challenge.yaml'), 'utf8');
    await writeFile(
      join(dir, 'challenge.yaml'),
      definition.replace(/opens: "[^"]+"/, 'opens: "2025-01-01T00:00:00Z"').replace(/closes: "[^"]+"/, 'closes: "2025-06-01T00:00:00Z"'),
    );
    const uploaded = await organiser.run(['upload-data', dir]);
    expect(uploaded.code, uploaded.stderr).toBe(0);

    const out = join(work, 'release');
    const released = await organiser.run(['--json', 'release-data', dir, '--card', card, '-o', out]);
    expect(released.code, released.stdout + released.stderr).toBe(0);
    const summary = released.json<{ manifestSha256: string; files: number; datasets: string[] }>();
    expect(summary.datasets).toEqual(['train', 'smoke', 'test']);

    // The reference tool checks every file against the manifest's checksums.
    const checked = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
    expect(checked.trim().split('\n')).toHaveLength(summary.files);
    expect(checked).not.toMatch(/FAILED/);
    expect(checked).toContain('test/labels.csv: OK');
    const manifest = await readFile(join(out, 'manifest.json'));
    expect(createHash('sha256').update(manifest).digest('hex')).toBe(summary.manifestSha256);

    // The hidden dataset's own manifest is the one score receipts name: the bytes the platform stored.
    const stored = await platform.ctx.s3.send(
      new GetObjectCommand({ Bucket: platform.ctx.config.hiddenBucket, Key: objectKeys.hiddenManifest('closed', 'test') }),
    );
    expect(await readFile(join(out, 'test', 'manifest.json'), 'utf8')).toBe(await stored.Body!.transformToString());

    const dataCard = await readFile(join(out, 'DATA-CARD.md'), 'utf8');
    for (const text of ['## Licence\n\nCC-BY-4.0', '## Citation\n\nPodium demo (2026)', '## Anonymisation\n\nSynthetic data; no person is described.'])
      expect(dataCard).toContain(text);
    expect(await readFile(join(out, 'leaderboard-main.csv'), 'utf8')).toMatch(/^rank,/);

    const audit = (await listAudit(platform.ctx, 'closed')).filter((entry) => entry.action === 'data.released');
    expect(audit).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ manifestSha256: summary.manifestSha256, destination: out, files: summary.files }) }),
    ]);

    // The same folder twice is refused before anything is recorded.
    const again = await organiser.run(['release-data', dir, '--card', card, '-o', out]);
    expect(again.code).toBe(2);

    // The same release to the open-data bucket: the same objects, and the uploaded manifest's checksums match the uploaded objects.
    const bucket = platform.ctx.config.openDataBucket!;
    const toBucket = await organiser.run(['--json', 'release-data', dir, '--card', card, '--open-data']);
    expect(toBucket.code, toBucket.stdout + toBucket.stderr).toBe(0);
    const published = toBucket.json<{ releaseId: string; path: string; manifestSha256: string; files: number }>();
    const prefix = `closed/${published.releaseId}/`;
    expect(published).toMatchObject({ path: `s3://${bucket}/${prefix}`, manifestSha256: summary.manifestSha256, files: summary.files });
    const read = async (key: string) =>
      Buffer.from(await (await platform.ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
    const uploadedManifest = await read(`${prefix}manifest.json`);
    expect(createHash('sha256').update(uploadedManifest).digest('hex')).toBe(summary.manifestSha256);
    const listedFiles = (
      JSON.parse(uploadedManifest.toString('utf8')) as { datasets: { id: string; files: { path: string; bytes: number; sha256: string }[] }[] }
    ).datasets.flatMap((dataset) => dataset.files.map((file) => ({ ...file, key: `${prefix}${dataset.id}/${file.path}` })));
    expect(listedFiles).toHaveLength(summary.files);
    for (const file of listedFiles) {
      const object = await read(file.key);
      expect({ key: file.key, bytes: object.length, sha256: createHash('sha256').update(object).digest('hex') }).toEqual({
        key: file.key,
        bytes: file.bytes,
        sha256: file.sha256,
      });
    }
    const keys = (await platform.ctx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents!.map((object) =>
      object.Key!.slice(prefix.length),
    );
    expect(keys.sort()).toEqual(
      [
        ...listedFiles.map((file) => file.key.slice(prefix.length)),
        'DATA-CARD.md',
        'SHA256SUMS',
        'leaderboard-main.csv',
        'manifest.json',
        'test/manifest.json',
      ].sort(),
    );
    // The data card, the final board and the hidden manifest are the folder release's, byte for byte.
    for (const name of ['DATA-CARD.md', 'SHA256SUMS', 'leaderboard-main.csv', 'test/manifest.json'])
      expect((await read(`${prefix}${name}`)).equals(await readFile(join(out, name)))).toBe(true);
    expect((await listAudit(platform.ctx, 'closed')).filter((entry) => entry.action === 'data.released').at(-1)).toMatchObject({
      details: { releaseId: published.releaseId, destination: published.path, manifestSha256: summary.manifestSha256 },
    });
  });

  it('refuses an open-data release while a phase using the data has not closed, uploading and recording nothing', async () => {
    const data = join(work, 'platform', 'generated', 'tissuenet');
    const refused = await organiser.run(['--json', 'release-data', 'examples/tissuenet', '--datasets', 'final', '--card', card, '--open-data', '--data', data]);
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ error: 'INVALID_STATE', message: expect.stringContaining('dataset "final" is used by phase "final"') });
    const listed = await platform.ctx.s3.send(new ListObjectsV2Command({ Bucket: platform.ctx.config.openDataBucket!, Prefix: 'tissuenet/' }));
    expect(listed.Contents ?? []).toEqual([]);
    expect((await listAudit(platform.ctx, 'tissuenet')).filter((entry) => entry.action === 'data.released')).toEqual([]);
    const both = await organiser.run(['release-data', 'examples/tissuenet', '--card', card, '--open-data', '-o', join(work, 'never')]);
    expect(both.code).toBe(2);
  });

  it('names the missing fields of a data card', async () => {
    const incomplete = join(work, 'incomplete.yaml');
    await writeFile(incomplete, 'description: only this\n');
    const result = await organiser.run(['--json', 'release-data', 'examples/tissuenet', '--card', incomplete, '-o', join(work, 'never')]);
    expect(result.code).toBe(1);
    expect(result.json()).toMatchObject({ error: 'DATA_CARD_INVALID', message: expect.stringMatching(/licence: .*citation: .*anonymisation: /) });
  });
});
