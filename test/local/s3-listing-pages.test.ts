import { PutObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PodiumContext } from '#shared/context.ts';
import { mapWithConcurrency } from '#shared/concurrency.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

/**
 * A dataset of over 1,000 files lists in several pages. s3rver signs its continuation tokens with
 * single DES, which OpenSSL 3 keeps in its legacy provider: unpatched, the second page was an
 * InternalError (patches/s3rver+3.7.1.patch).
 */
let fixture: StorageFixture;
let ctx: PodiumContext;

beforeAll(async () => {
  fixture = await startStorageFixture();
  ctx = await fixture.freshContext();
});
afterAll(() => fixture?.close());

it('lists every key of a 1,205-file prefix, page after page', async () => {
  const bucket = ctx.config.hiddenBucket!;
  const keys = Array.from({ length: 1205 }, (_, index) => `inputs/tissuenet/slides/slide-${String(index).padStart(4, '0')}.tif`);
  await mapWithConcurrency(keys, 16, (Key) => ctx.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' })));
  await ctx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'inputs/visiomel/other.tif', Body: 'x' }));

  const listed: string[] = [];
  let pages = 0;
  for await (const page of paginateListObjectsV2({ client: ctx.s3 }, { Bucket: bucket, Prefix: 'inputs/tissuenet/' })) {
    pages += 1;
    listed.push(...(page.Contents ?? []).map((object) => object.Key!));
  }
  expect(pages).toBe(2);
  expect(listed).toEqual(keys);
});
