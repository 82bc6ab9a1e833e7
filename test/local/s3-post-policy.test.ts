import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PodiumContext } from '#shared/context.ts';
import type { S3EventRecord } from '../../local/embedded-servers.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

/**
 * The local S3 endpoint judges presigned POST uploads as S3 does (s3rver alone stored anything):
 * real s3rver behind the front, real SDK-signed policies, real multipart form uploads.
 */
let fixture: StorageFixture;
let ctx: PodiumContext;
const created: S3EventRecord[] = [];
const ownKey = 'tissuenet/learning/team-a/sub-1/submission.zip';
const otherTeamsKey = 'tissuenet/learning/team-b/sub-2/submission.zip';

beforeAll(async () => {
  fixture = await startStorageFixture();
  ctx = await fixture.freshContext();
  fixture.servers.s3Events.on('object-created', (record: S3EventRecord) => created.push(record));
});
afterAll(() => fixture?.close());
beforeEach(() => {
  created.length = 0;
});

const presign = (options: { key?: string; maxBytes?: number; expires?: number; conditions?: Parameters<typeof createPresignedPost>[1]['Conditions'] } = {}) =>
  createPresignedPost(ctx.s3, {
    Bucket: ctx.config.submissionsBucket,
    Key: options.key ?? ownKey,
    Conditions: options.conditions ?? [['content-length-range', 1, options.maxBytes ?? 1024]],
    Expires: options.expires ?? 3600,
  });

async function post(url: string, fields: Record<string, string>, file: Buffer): Promise<{ status: number; code?: string; message?: string; body: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file]), 'submission.zip');
  const response = await fetch(url, { method: 'POST', body: form });
  const body = await response.text();
  return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(body)?.[1], body };
}

const storedKeys = async () =>
  ((await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.config.submissionsBucket }))).Contents ?? []).map((object) => object.Key);

describe('presigned POST uploads through the local S3 endpoint', () => {
  it('stores a valid upload under its key and fires the object-created event the pipeline starts from', async () => {
    const { url, fields } = await presign();
    const answer = await post(url, fields, Buffer.from('PK-zip-bytes'));
    expect(answer.status).toBe(204);
    const stored = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: ownKey }));
    expect(await stored.Body!.transformToString()).toBe('PK-zip-bytes');
    expect(created).toEqual([
      expect.objectContaining({
        s3: expect.objectContaining({
          bucket: expect.objectContaining({ name: ctx.config.submissionsBucket }),
          object: expect.objectContaining({ key: ownKey, size: 12 }),
        }),
      }),
    ]);
  });

  it("refuses the signed fields with the key changed to another team's, storing nothing under either key", async () => {
    const fresh = await fixture.freshContext();
    const { url, fields } = await createPresignedPost(fresh.s3, {
      Bucket: fresh.config.submissionsBucket,
      Key: ownKey,
      Conditions: [['content-length-range', 1, 1024]],
    });
    const answer = await post(url, { ...fields, key: otherTeamsKey }, Buffer.from('PK-not-yours'));
    expect(answer).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "${ownKey}"]`,
    });
    expect((await fresh.s3.send(new ListObjectsV2Command({ Bucket: fresh.config.submissionsBucket }))).Contents ?? []).toEqual([]);
    expect(created).toEqual([]);
  });

  it('refuses a file over the policy maximum with EntityTooLarge, storing nothing', async () => {
    const fresh = await fixture.freshContext();
    const { url, fields } = await createPresignedPost(fresh.s3, {
      Bucket: fresh.config.submissionsBucket,
      Key: ownKey,
      Conditions: [['content-length-range', 1, 1024]],
    });
    const answer = await post(url, fields, Buffer.alloc(1025, 7));
    expect(answer).toMatchObject({ status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' });
    expect(answer.body).toContain('<ProposedSize>1025</ProposedSize><MaxSizeAllowed>1024</MaxSizeAllowed>');
    expect((await fresh.s3.send(new ListObjectsV2Command({ Bucket: fresh.config.submissionsBucket }))).Contents ?? []).toEqual([]);
    expect(created).toEqual([]);
  });

  it('accepts a file of exactly the maximum, and refuses an empty one with EntityTooSmall', async () => {
    const { url, fields } = await presign({ maxBytes: 1024 });
    expect((await post(url, fields, Buffer.alloc(1024, 1))).status).toBe(204);
    const empty = await presign({ key: 'tissuenet/learning/team-a/sub-empty/submission.zip' });
    const answer = await post(empty.url, empty.fields, Buffer.alloc(0));
    expect(answer).toMatchObject({ status: 400, code: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed size' });
    expect(answer.body).toContain('<ProposedSize>0</ProposedSize><MinSizeAllowed>1</MinSizeAllowed>');
    await expect(
      ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: 'tissuenet/learning/team-a/sub-empty/submission.zip' })),
    ).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('refuses an expired policy', async () => {
    const key = 'tissuenet/learning/team-a/sub-late/submission.zip';
    const { url, fields } = await presign({ key, expires: -1 });
    const answer = await post(url, fields, Buffer.from('PK-late'));
    expect(answer).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Invalid according to Policy: Policy expired.' });
    expect(await storedKeys()).not.toContain(key);
  });

  it('refuses a policy edited after signing, and one signed with another secret', async () => {
    const { url, fields } = await presign({ maxBytes: 10 });
    const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    policy.conditions = policy.conditions.map((condition) => (Array.isArray(condition) ? ['content-length-range', 1, 1024 * 1024] : condition));
    const widened = { ...fields, Policy: Buffer.from(JSON.stringify(policy)).toString('base64') };
    const answer = await post(url, widened, Buffer.alloc(100));
    expect(answer).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });

    const forged = await presign({ key: otherTeamsKey });
    const wrongSecret = await post(url, { ...forged.fields, 'X-Amz-Signature': '0'.repeat(64) }, Buffer.from('PK'));
    expect(wrongSecret).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await storedKeys()).not.toContain(otherTeamsKey);
  });

  it('refuses a form field the policy does not cover, an unsigned POST, and a Content-Type outside its condition', async () => {
    const key = 'tissuenet/learning/team-a/sub-meta/submission.zip';
    const { url, fields } = await presign({ key });
    expect(await post(url, { ...fields, 'x-amz-meta-team': 'team-b' }, Buffer.from('PK'))).toMatchObject({
      status: 403,
      message: 'Invalid according to Policy: Extra input fields: x-amz-meta-team',
    });
    expect(await post(url, { key }, Buffer.from('PK'))).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const zipOnly = await presign({
      key,
      conditions: [
        ['content-length-range', 1, 1024],
        ['eq', '$Content-Type', 'application/zip'],
      ],
    });
    expect(await post(url, { ...zipOnly.fields, 'Content-Type': 'text/html' }, Buffer.from('<script>'))).toMatchObject({
      status: 403,
      message: 'Invalid according to Policy: Policy Condition failed: ["eq", "$content-type", "application/zip"]',
    });
    expect(await storedKeys()).not.toContain(key);
    expect((await post(url, { ...zipOnly.fields, 'Content-Type': 'application/zip' }, Buffer.from('PK'))).status).toBe(204);
  });

  it('accepts a key under a starts-with condition and refuses one outside it', async () => {
    const prefix = 'tissuenet/learning/team-a/';
    const { url, fields } = await presign({ key: `${prefix}\${filename}` });
    expect(await post(url, { ...fields, key: `${prefix}notes.zip` }, Buffer.from('PK'))).toMatchObject({ status: 204 });
    expect(await post(url, { ...fields, key: 'tissuenet/learning/team-b/notes.zip' }, Buffer.from('PK'))).toMatchObject({
      status: 403,
      message: `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "${prefix}"]`,
    });
    expect(await storedKeys()).not.toContain('tissuenet/learning/team-b/notes.zip');
  });
});

describe('conditional reads through the local S3 endpoint', () => {
  it('answers a stale If-Match with 412 on GET and HEAD, a current one with the object, a matching If-None-Match with 304', async () => {
    const Bucket = ctx.config.submissionsBucket;
    const Key = 'tissuenet/learning/team-a/sub-pinned/submission.zip';
    const first = await ctx.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'first version' }));
    await ctx.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'second version' }));
    await expect(ctx.s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: first.ETag }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    await expect(ctx.s3.send(new HeadObjectCommand({ Bucket, Key, IfMatch: first.ETag }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const current = await ctx.s3.send(new HeadObjectCommand({ Bucket, Key }));
    const read = await ctx.s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: current.ETag, Range: 'bytes=0-5' }));
    expect(await read.Body!.transformToString()).toBe('second');
    await expect(ctx.s3.send(new GetObjectCommand({ Bucket, Key, IfNoneMatch: current.ETag }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
    expect(await (await ctx.s3.send(new GetObjectCommand({ Bucket, Key, IfNoneMatch: first.ETag }))).Body!.transformToString()).toBe('second version');
  });
});
