import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveProblem } from '#shared/archive/archive-problem.ts';
import { copyTrainingOutputs } from '#shared/training/attach-outputs.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

let storage: StorageFixture;
beforeAll(async () => {
  storage = await startStorageFixture();
});
afterAll(() => storage.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('training outputs next to main.py (the inference launcher)', () => {
  it('copies each attached file, checked against its checksum, and never over a file of the archive', async () => {
    const ctx = await storage.freshContext();
    const prefix = 'tissuenet/learning/training/team-a/t-1/outputs/';
    const bucket = ctx.config.submissionsBucket;
    await ctx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}weights/model.pt`, Body: 'weights' }));
    await ctx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}main.py`, Body: 'print("from outputs")' }));
    const codeDir = await mkdtemp(join(tmpdir(), 'podium-attach-'));
    await writeFile(join(codeDir, 'main.py'), 'print("from the archive")');

    await copyTrainingOutputs(ctx.s3, bucket, { prefix, files: [{ path: 'weights/model.pt', bytes: 7, sha256: sha256('weights') }] }, codeDir);
    expect(await readFile(join(codeDir, 'weights/model.pt'), 'utf8')).toBe('weights');

    const clash = copyTrainingOutputs(ctx.s3, bucket, { prefix, files: [{ path: 'main.py', bytes: 21, sha256: sha256('print("from outputs")') }] }, codeDir);
    await expect(clash).rejects.toBeInstanceOf(ArchiveProblem);
    expect(await readFile(join(codeDir, 'main.py'), 'utf8')).toBe('print("from the archive")');

    const other = await mkdtemp(join(tmpdir(), 'podium-attach-'));
    await mkdir(join(other, 'weights'));
    const tampered = copyTrainingOutputs(ctx.s3, bucket, { prefix, files: [{ path: 'weights/model.pt', bytes: 7, sha256: sha256('other') }] }, other);
    await expect(tampered).rejects.toThrow('does not match its SHA-256');
    const escape = copyTrainingOutputs(ctx.s3, bucket, { prefix, files: [{ path: '../evil.py', bytes: 1, sha256: sha256('x') }] }, other);
    await expect(escape).rejects.toThrow('leads out of the code folder');
  });
});
