import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodiumContext } from '#shared/context.ts';
import { stageInputs } from '#shared/pipeline/run-inference-job.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { InstanceMounts, s3fsAvailable } from '../../local/job-runner/instance-mounts.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

/**
 * The parity harness's stand-in for Mountpoint: an s3fs mount of a phase's hidden inputs, served
 * by an S3 endpoint in this very process, as the local stack serves it. Waiting for the mount once
 * blocked this process's event loop, so s3fs's first request could not be answered and the mount's
 * root answered ECONNABORTED (docs/benchmarks.md, *Hidden inputs at scale*).
 */
let fixture: StorageFixture;
let ctx: PodiumContext;
let work: string;
let mounts: InstanceMounts;
const prefix = objectKeys.hiddenInputsPrefix('tissuenet', 'test');
const INPUTS: Record<string, string> = {
  'submission_format.csv': 'filename,0,1,2,3\nslide-1.tif,1,0,0,0\n',
  'slides/slide-1.tif': 'x'.repeat(3 * 1024 * 1024),
};

describe.skipIf(!s3fsAvailable())('hidden inputs mounted by s3fs from an S3 endpoint in the same process', () => {
  beforeAll(async () => {
    fixture = await startStorageFixture();
    ctx = await fixture.freshContext();
    work = await mkdtemp(join(tmpdir(), 'podium-instance-mounts-'));
    for (const [path, body] of Object.entries(INPUTS)) {
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.hiddenBucket, Key: `${prefix}${path}`, Body: body }));
    }
    mounts = new InstanceMounts({ root: work, s3Endpoint: ctx.config.s3Endpoint!, region: ctx.config.region, mode: 's3fs' });
  });
  afterAll(async () => {
    await mounts?.close();
    await fixture?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('mounts, passes the launcher check, serves the bytes and refuses writes', async () => {
    const hostPath = await mounts.mount({
      challengeId: 'tissuenet',
      phaseId: 'learning',
      bucket: ctx.config.hiddenBucket,
      prefix,
      hostPath: '/mnt/podium/learning/test',
    });
    const staged = await stageInputs(
      { s3: ctx.s3, config: ctx.config },
      { bucket: 'hidden', prefix },
      {
        inputsDir: join(work, 'download'),
        mountedInputs: { prefix, path: hostPath },
      },
    );
    expect(staged).toBe(hostPath);
    expect(await readFile(join(staged, 'submission_format.csv'), 'utf8')).toBe(INPUTS['submission_format.csv']);
    expect((await readFile(join(staged, 'slides/slide-1.tif'))).equals(Buffer.from(INPUTS['slides/slide-1.tif']!))).toBe(true);
    await expect(writeFile(join(staged, 'written-by-a-run.txt'), 'x')).rejects.toMatchObject({ code: expect.stringMatching(/EROFS|EACCES|EPERM/) });
  });
});
