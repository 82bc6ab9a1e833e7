import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliUser, type CliRunner } from './run-cli.ts';

/**
 * `podium download` against an API and storage that misbehave: the CLI must write nothing outside
 * the target folder and keep nothing whose checksum is wrong. The real stack cannot be made to
 * misbehave like this, so a small HTTP server plays both (the CLI only sees HTTP).
 */
const content = Buffer.from('filename,label\nslide_1.pgm,2\n');
const sha = createHash('sha256').update(content).digest('hex');
let server: Server;
let apiUrl: string;
let listing: { path: string; bytes: number; sha256: string; blob: string }[] = [];
let user: CliRunner;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-download-'));
  server = createServer((request, response) => {
    if (request.url?.startsWith('/challenges/demo/datasets/')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      const expiresAt = new Date(Date.now() + 600_000).toISOString();
      response.end(
        JSON.stringify({
          files: listing.map((file) => ({ path: file.path, bytes: file.bytes, sha256: file.sha256, url: `${apiUrl}/blob/${file.blob}`, expiresAt })),
        }),
      );
      return;
    }
    if (request.url === '/blob/good') {
      response.writeHead(200);
      response.end(content);
      return;
    }
    if (request.url === '/blob/tampered') {
      response.writeHead(200);
      response.end(Buffer.from(content).fill(65, 0, 5));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'NOT_FOUND', message: `${request.url} was not found` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  user = await cliUser(apiUrl);
  // A logged-in profile: the CLI only needs a token that has not expired; this API checks none.
  await writeFile(
    join(user.configDir, 'config.json'),
    JSON.stringify({ profiles: { default: { api: apiUrl, token: 'test-token', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } } }),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

const download = (out: string) => user.run(['--json', 'download', 'demo', 'train', '-o', out]);

describe('podium download against hostile listings', () => {
  it.each([['../../escape.csv'], ['/etc/passwd-copy'], ['sub\\..\\..\\x.csv'], ['ok/\u0007bell.csv']])(
    'refuses the unsafe path %j and writes nothing',
    async (path) => {
      listing = [{ path, bytes: content.length, sha256: sha, blob: 'good' }];
      const out = join(work, 'unsafe', String(Math.random()).slice(2));
      const result = await download(out);
      expect(result.code).toBe(1);
      expect(result.json()).toMatchObject({ error: 'UNSAFE_PATH' });
      expect(await readdir(work)).not.toContain('escape.csv');
      expect(await stat(out).catch(() => undefined)).toBeUndefined();
    },
  );

  it('deletes a file whose bytes do not match the published SHA-256', async () => {
    listing = [{ path: 'labels.csv', bytes: content.length, sha256: sha, blob: 'tampered' }];
    const out = join(work, 'tampered');
    const result = await download(out);
    expect(result.code).toBe(1);
    expect(result.json()).toMatchObject({ error: 'CHECKSUM_MISMATCH' });
    expect(await readdir(join(out, 'train'))).toEqual([]);
  });

  it('downloads a good file and skips it the next time', async () => {
    listing = [{ path: 'nested/labels.csv', bytes: content.length, sha256: sha, blob: 'good' }];
    const out = join(work, 'good');
    expect((await download(out)).json()).toMatchObject({ downloaded: 1 });
    expect((await download(out)).json()).toMatchObject({ downloaded: 0, unchanged: 1 });
  });
});
