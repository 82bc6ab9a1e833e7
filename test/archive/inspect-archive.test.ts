import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveLimits } from '#shared/archive/archive-limits.ts';
import { extractArchive } from '#shared/archive/extract-archive.ts';
import { judgeArchive } from '#shared/archive/inspect-archive.ts';
import type { PodiumContext } from '#shared/context.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { handcraftedZip, zipOf } from './hostile-zips.ts';

const limits: ArchiveLimits = {
  maxArchiveBytes: 1024 * 1024,
  maxEntries: 50,
  maxUncompressedBytes: 4 * 1024 * 1024,
  maxCompressionRatio: 100,
  ratioCheckMinBytes: 64 * 1024,
};
const MAIN = { name: 'main.py', content: 'print("hi")\n' };
const S_IFLNK = 0o120777;

let dir: string;
let fixture: StorageFixture;
let ctx: PodiumContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podium-archive-'));
  fixture = await startStorageFixture();
  ctx = await fixture.freshContext();
});
afterAll(() => fixture.close());

async function judgeFile(bytes: Buffer) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.zip`);
  await writeFile(path, bytes);
  return judgeArchive({ kind: 'file', path }, limits, bytes.length);
}

describe('archive inspection from the central directory', () => {
  const rejected: [string, () => Promise<Buffer> | Buffer, string, RegExp][] = [
    ['parent traversal', () => handcraftedZip([{ name: 'main.py' }, { name: '../evil.py' }]), 'ARCHIVE_UNSAFE_PATH', /climbs out/],
    ['windows traversal', () => handcraftedZip([{ name: 'main.py' }, { name: '..\\evil.py' }]), 'ARCHIVE_UNSAFE_PATH', /backslash/],
    ['absolute path', () => handcraftedZip([{ name: 'main.py' }, { name: '/etc/cron.d/x' }]), 'ARCHIVE_UNSAFE_PATH', /absolute/],
    ['drive letter', () => handcraftedZip([{ name: 'main.py' }, { name: 'C:/Windows/x' }]), 'ARCHIVE_UNSAFE_PATH', /drive letter/],
    ['control characters', () => handcraftedZip([{ name: 'main.py' }, { name: 'a\u001b[2Jb.py' }]), 'ARCHIVE_UNSAFE_PATH', /control characters/],
    ['symlink', () => zipOf([MAIN, { name: 'labels.csv', content: '/hidden/labels.csv', mode: S_IFLNK }]), 'ARCHIVE_UNSAFE_PATH', /symbolic link/],
    ['fifo / special file', () => handcraftedZip([{ name: 'main.py' }, { name: 'pipe', unixMode: 0o010644 }]), 'ARCHIVE_UNSAFE_PATH', /special file/],
    ['encrypted entry', () => handcraftedZip([{ name: 'main.py', flags: 0x1, method: 8, data: Buffer.from('x') }]), 'ARCHIVE_INVALID', /encrypted/],
    ['unsupported compression', () => handcraftedZip([{ name: 'main.py', method: 12 }]), 'ARCHIVE_INVALID', /compression method 12/],
    ['too many entries', () => zipOf([MAIN, ...Array.from({ length: 60 }, (_, i) => ({ name: `f${i}.txt` }))]), 'ARCHIVE_TOO_LARGE', /60 entries|61 entries/],
    [
      'declared size over the cap',
      () => handcraftedZip([{ name: 'main.py' }, { name: 'w.bin', data: Buffer.alloc(10), method: 8, declaredSize: 5 * 1024 * 1024 }]),
      'ARCHIVE_TOO_LARGE',
      /declares/,
    ],
    ['compression-ratio bomb', () => zipOf([MAIN, { name: 'zeros.bin', content: Buffer.alloc(1024 * 1024) }]), 'ARCHIVE_TOO_LARGE', /expands more than 100:1/],
    ['duplicate names', () => handcraftedZip([{ name: 'main.py' }, { name: 'main.py' }]), 'ARCHIVE_INVALID', /appears twice/],
    ['case-colliding names', () => zipOf([MAIN, { name: 'Model.pt' }, { name: 'model.PT' }]), 'ARCHIVE_INVALID', /case-insensitive/],
    ['file and folder clash', () => zipOf([MAIN, { name: 'lib', content: 'x' }, { name: 'lib/x.py', content: 'y' }]), 'ARCHIVE_INVALID', /which is a file/],
    ['not a zip', () => Buffer.from('this is a tarball, honest'), 'ARCHIVE_INVALID', /not a readable zip/],
    ['truncated', async () => (await zipOf([MAIN, { name: 'x.txt', content: 'abc' }])).subarray(0, 60), 'ARCHIVE_INVALID', /not a readable zip|corrupt/],
    ['no entries', () => handcraftedZip([]), 'ARCHIVE_INVALID', /no files/],
    ['zero bytes', () => Buffer.alloc(0), 'ARCHIVE_INVALID', /empty/],
    ['main.py missing', () => zipOf([{ name: 'predict.py', content: 'x' }]), 'MAIN_PY_MISSING', /no main.py at the archive root \(1 files/],
    [
      'main.py nested two folders deep',
      () => zipOf([{ name: 'a/b/main.py', content: 'x' }]),
      'MAIN_PY_MISSING',
      /found "a\/b\/main.py", but main.py must be at the archive root/,
    ],
    ['Main.py wrongly cased', () => zipOf([{ name: 'Main.py', content: 'x' }]), 'MAIN_PY_MISSING', /named exactly "main.py"/],
    [
      'over the phase archive size',
      () => zipOf([MAIN, { name: 'w.bin', content: Buffer.from(Array.from({ length: 1100 * 1024 }, (_, i) => (i * 7919) % 251)), compress: false }]),
      'ARCHIVE_TOO_LARGE',
      /over this phase's limit of 1 MiB/,
    ],
  ];
  it.each(rejected)('rejects %s', async (_case, build, reason, message) => {
    const verdict = await judgeFile(await build());
    expect(verdict).toMatchObject({ ok: false, reason });
    expect(verdict.ok ? '' : verdict.message).toMatch(message);
  });

  it('accepts main.py at the root, or inside one top-level folder (stripped), ignoring macOS debris', async () => {
    const atRoot = await judgeFile(await zipOf([MAIN, { name: 'model/weights.bin', content: 'w' }]));
    expect(atRoot).toMatchObject({ ok: true, inspection: { stripPrefix: '', fileCount: 2 } });
    const inFolder = await judgeFile(
      await zipOf([
        { name: 'my-sub/main.py', content: 'x' },
        { name: '__MACOSX/my-sub/._main.py', content: 'junk' },
      ]),
    );
    expect(inFolder).toMatchObject({ ok: true, inspection: { stripPrefix: 'my-sub/', fileCount: 1 } });
  });

  it('reads the central directory from S3 with ranged GETs, giving the same verdicts', async () => {
    const good = await zipOf([MAIN, ...Array.from({ length: 40 }, (_, i) => ({ name: `pkg/m${i}.py`, content: `x = ${i}\n` }))]);
    const bad = await handcraftedZip([{ name: 'main.py' }, { name: '../escape' }]);
    for (const [key, body] of [
      ['good.zip', good],
      ['bad.zip', bad],
    ] as const) {
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: key, Body: body }));
    }
    const source = (key: string, size: number) => ({ kind: 's3' as const, s3: ctx.s3, bucket: ctx.config.submissionsBucket, key, size });
    expect(await judgeArchive(source('good.zip', good.length), limits, good.length)).toMatchObject({ ok: true, inspection: { fileCount: 41 } });
    expect(await judgeArchive(source('bad.zip', bad.length), limits, bad.length)).toMatchObject({ ok: false, reason: 'ARCHIVE_UNSAFE_PATH' });
  });

  it('pinned to an ETag, judges only that version: a replaced object is ARCHIVE_INVALID, not a verdict on the new bytes', async () => {
    const good = await zipOf([MAIN]);
    const put = await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: 'pinned.zip', Body: good }));
    const pinned = { kind: 's3' as const, s3: ctx.s3, bucket: ctx.config.submissionsBucket, key: 'pinned.zip', size: good.length, eTag: put.ETag! };
    expect(await judgeArchive(pinned, limits, good.length)).toMatchObject({ ok: true });
    await ctx.s3.send(
      new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: 'pinned.zip', Body: await zipOf([{ name: 'Main.py', content: 'x' }]) }),
    );
    const verdict = await judgeArchive(pinned, limits, good.length);
    expect(verdict).toMatchObject({ ok: false, reason: 'ARCHIVE_INVALID' });
    expect(verdict.ok ? '' : verdict.message).toMatch(/^the archive changed while it was being validated/);
  });
});

describe('safe extraction', () => {
  async function extract(bytes: Buffer) {
    const archive = join(dir, `${Math.random().toString(36).slice(2)}.zip`);
    const target = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    await writeFile(archive, bytes);
    return { target, run: () => extractArchive(archive, target, limits) };
  }

  it('extracts regular files, stripping the single top-level folder', async () => {
    const { target, run } = await extract(
      await zipOf([
        { name: 'sub/main.py', content: 'print(1)\n' },
        { name: 'sub/lib/util.py', content: 'X = 2\n' },
      ]),
    );
    await run();
    expect((await readdir(target)).sort()).toEqual(['lib', 'main.py']);
    expect(await readFile(join(target, 'lib/util.py'), 'utf8')).toBe('X = 2\n');
  });

  it('rejects a bad CRC that only decompression reveals', async () => {
    const { run } = await extract(handcraftedZip([{ name: 'main.py', data: Buffer.from('print(1)\n'), crc: 0xdeadbeef }]));
    await expect(run()).rejects.toMatchObject({ reason: 'ARCHIVE_INVALID', message: expect.stringMatching(/CRC mismatch/) });
  });

  it('rejects an entry whose real size differs from its header (lying sizes)', async () => {
    const { run } = await extract(handcraftedZip([{ name: 'main.py', data: Buffer.alloc(5000, 65), method: 8, declaredSize: 10 }]));
    await expect(run()).rejects.toMatchObject({ reason: 'ARCHIVE_INVALID' });
  });

  it('refuses archives the inspection refuses, writing nothing outside the target', async () => {
    const { target, run } = await extract(await handcraftedZip([{ name: 'main.py' }, { name: '../outside.txt', data: Buffer.from('x') }]));
    await expect(run()).rejects.toMatchObject({ reason: 'ARCHIVE_UNSAFE_PATH' });
    expect(await readdir(dir)).not.toContain('outside.txt');
    await expect(readdir(target)).rejects.toThrow();
  });
});
