import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/storage/table-design.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { startApi, tissuenet, type ApiHarness } from './api-harness.ts';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await startStorageFixture();
});
afterAll(async () => {
  await fixture.close();
});

const create = (api: ApiHarness, token: string, body: unknown = { archiveBytes: 1000 }, headers: Record<string, string> = {}, phase = 'learning') =>
  api.call('POST', `/challenges/tissuenet/phases/${phase}/submissions`, token, body, headers);

describe('creating a submission', () => {
  it('returns a presigned POST that really uploads to the submission key', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const token = await api.competitor('ada@example.org');
    const response = await create(api, token, { archiveBytes: 2048 });
    expect(response.status).toBe(201);
    const { submission, upload } = (await response.json()) as {
      submission: { id: string; teamId: string; status: string };
      upload: { method: string; url: string; fields: Record<string, string>; maxBytes: number };
    };
    expect(submission.status).toBe('CREATED');
    expect(upload.method).toBe('POST');
    expect(upload.maxBytes).toBe(1024 * 1024 * 1024);
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', new Blob([Buffer.from('PK-zip-bytes')]), 'submission.zip');
    const uploaded = await fetch(upload.url, { method: 'POST', body: form });
    expect(uploaded.status).toBeLessThan(300);
    const key = `tissuenet/learning/${submission.teamId}/${submission.id}/submission.zip`;
    const stored = await api.ctx.s3.send(new GetObjectCommand({ Bucket: api.ctx.config.submissionsBucket, Key: key }));
    expect(await stored.Body!.transformToString()).toBe('PK-zip-bytes');
  });

  it("refuses, as S3 would, an upload to another team's key, over the phase's size or empty, storing nothing", async () => {
    const api = await startApi(fixture, [
      await tissuenet((c) => {
        c.phases[0]!.runtime.maxArchiveMiB = 1;
      }),
    ]);
    type Created = { submission: { id: string; teamId: string }; upload: { url: string; fields: Record<string, string> } };
    const ada = (await (await create(api, await api.competitor('ada@example.org'), { archiveBytes: 100 })).json()) as Created;
    const bob = (await (await create(api, await api.competitor('bob@example.org'), { archiveBytes: 100 })).json()) as Created;
    const archiveKey = (created: Created) => `tissuenet/learning/${created.submission.teamId}/${created.submission.id}/submission.zip`;
    const post = async (fields: Record<string, string>, bytes: Buffer) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', new Blob([bytes]), 'submission.zip');
      const response = await fetch(ada.upload.url, { method: 'POST', body: form });
      return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(await response.text())?.[1] };
    };

    expect(await post({ ...ada.upload.fields, key: archiveKey(bob) }, Buffer.from('PK-into-bob'))).toEqual({ status: 403, code: 'AccessDenied' });
    expect(await post(ada.upload.fields, Buffer.alloc(1024 * 1024 + 1))).toEqual({ status: 400, code: 'EntityTooLarge' });
    expect(await post(ada.upload.fields, Buffer.alloc(0))).toEqual({ status: 400, code: 'EntityTooSmall' });
    const stored = await api.ctx.s3.send(new ListObjectsV2Command({ Bucket: api.ctx.config.submissionsBucket }));
    expect(stored.Contents ?? []).toEqual([]);
    expect(await post(ada.upload.fields, Buffer.alloc(1024 * 1024))).toEqual({ status: 204, code: undefined });
    const after = await api.ctx.s3.send(new ListObjectsV2Command({ Bucket: api.ctx.config.submissionsBucket }));
    expect((after.Contents ?? []).map((object) => object.Key)).toEqual([archiveKey(ada)]);
  });

  it('refuses an archive larger than the phase allows, naming the field', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const token = await api.competitor('big@example.org');
    const response = await create(api, token, { archiveBytes: 1024 * 1024 * 1024 + 1 });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringContaining('archiveBytes') });
    const missing = await create(api, token, { archiveBytes: 'many' });
    expect(await missing.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: { issues: [{ field: 'body.archiveBytes' }] } });
  });

  it('returns a multipart upload with one presigned part URL per part', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const token = await api.competitor('multi@example.org');
    const response = await create(api, token, { archiveBytes: 40 * 1024 * 1024, multipart: true });
    expect(response.status).toBe(201);
    const { submission, upload } = (await response.json()) as {
      submission: { id: string };
      upload: { method: string; partBytes: number; parts: { partNumber: number; url: string }[] };
    };
    expect(upload.method).toBe('MULTIPART');
    expect(upload.parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);
    const part = await fetch(upload.parts[0]!.url, { method: 'PUT', body: Buffer.from('only-part') });
    expect(part.status).toBe(200);
    const complete = await api.call('POST', `/submissions/${submission.id}/upload/complete`, token, {
      parts: [{ partNumber: 1, etag: part.headers.get('etag')! }],
    });
    expect(complete.status).toBe(200);
  });

  it('honours Idempotency-Key: same key same submission, same key different body 409', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const token = await api.competitor('idem@example.org');
    const first = (await (await create(api, token, { archiveBytes: 10 }, { 'idempotency-key': 'retry-key-0001' })).json()) as { submission: { id: string } };
    const again = await create(api, token, { archiveBytes: 10 }, { 'idempotency-key': 'retry-key-0001' });
    expect(again.status).toBe(201);
    expect(((await again.json()) as { submission: { id: string } }).submission.id).toBe(first.submission.id);
    const conflict = await create(api, token, { archiveBytes: 11 }, { 'idempotency-key': 'retry-key-0001' });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: string }).error).toBe('IDEMPOTENCY_CONFLICT');
    const list = (await (await api.call('GET', '/challenges/tissuenet/submissions', token)).json()) as { submissions: unknown[] };
    expect(list.submissions).toHaveLength(1);
  });

  it('admits exactly one of 20 concurrent POSTs racing for the last slot', async () => {
    const api = await startApi(fixture, [
      await tissuenet((c) => {
        c.phases[0]!.quota = { perDay: 100, total: 3, concurrent: 50, countFailed: true };
      }),
    ]);
    const token = await api.competitor('racer@example.org');
    expect((await create(api, token)).status).toBe(201);
    expect((await create(api, token)).status).toBe(201);
    const responses = await Promise.all(Array.from({ length: 20 }, () => create(api, token)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 429)).toHaveLength(19);
    const quota = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/quota', token)).json()) as {
      total: { used: number; remaining: number };
    };
    expect(quota.total).toMatchObject({ used: 3, remaining: 0 });
  });

  it('answers 429 with nextAllowedAt at the next UTC midnight, also on the Europe/Paris DST change day', async () => {
    // 2026-03-29 is the spring-forward day in Paris; 23:30 UTC is already 01:30 on the 30th in Paris.
    const api = await startApi(
      fixture,
      [
        await tissuenet((c) => {
          c.phases[0]!.quota = { perDay: 1, concurrent: 5, countFailed: true };
        }),
      ],
      '2026-03-29T23:30:00Z',
    );
    const token = await api.competitor('dst@example.org');
    expect((await create(api, token)).status).toBe(201);
    const refused = await create(api, token);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1800');
    expect(await refused.json()).toMatchObject({ error: 'QUOTA_EXCEEDED', details: { limit: 'perDay', nextAllowedAt: '2026-03-30T00:00:00.000Z' } });
    api.clock.set('2026-03-30T00:00:00Z');
    expect((await create(api, token)).status).toBe(201);
  });

  it('judges phase windows by the server clock: opens inclusive, closes exclusive, client Date ignored', async () => {
    const api = await startApi(
      fixture,
      [
        await tissuenet((c) => {
          c.phases[0]!.quota = { perDay: 100, concurrent: 100, countFailed: true };
        }),
      ],
      '2025-12-31T23:59:59.999Z',
    );
    const token = await api.competitor('clock@example.org');
    const forged = { date: 'Fri, 01 Jan 2027 00:00:00 GMT' };
    const before = await create(api, token, { archiveBytes: 1 }, forged);
    expect(before.status).toBe(409);
    expect(await before.json()).toMatchObject({ error: 'PHASE_NOT_OPEN' });
    api.clock.set('2026-01-01T00:00:00.000Z');
    expect((await create(api, token)).status).toBe(201);
    api.clock.set('2027-02-28T23:59:59.999Z');
    const later = await api.login('clock@example.org'); // tokens last 12 hours of the same clock
    expect((await create(api, later)).status).toBe(201);
    api.clock.set('2027-03-01T00:00:00.000Z');
    expect((await create(api, later, { archiveBytes: 1 }, { date: 'Mon, 01 Feb 2027 00:00:00 GMT' })).status).toBe(409);
  });

  it('requires a scored submission in the parent phase, and refuses paused phases', async () => {
    const api = await startApi(fixture, [await tissuenet()], '2027-03-02T00:00:00Z');
    const token = await api.competitor('final@example.org');
    const refused = await create(api, token, { archiveBytes: 1 }, {}, 'final');
    expect(await refused.json()).toMatchObject({ error: 'PARENT_PHASE_REQUIRED' });
    // Smoke runs need no parent and are never charged.
    expect((await create(api, token, { archiveBytes: 1, mode: 'smoke' }, {}, 'final')).status).toBe(201);
    const organiser = await api.login('org@example.org', 'organiser');
    expect((await api.call('POST', '/admin/challenges/tissuenet/phases/final/pause', organiser)).status).toBe(200);
    expect(await (await create(api, token, { archiveBytes: 1, mode: 'smoke' }, {}, 'final')).json()).toMatchObject({ error: 'SUBMISSIONS_PAUSED' });
  });

  it("hides another team's submission and a private score before publication", async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const alice = await api.competitor('alice@example.org');
    const bob = await api.competitor('bob@example.org');
    const { submission } = (await (await create(api, alice)).json()) as { submission: { id: string } };
    expect((await api.call('GET', `/submissions/${submission.id}`, bob)).status).toBe(404);
    expect((await api.call('GET', `/submissions/${submission.id}/logs`, bob)).status).toBe(404);
    expect((await api.call('POST', `/submissions/${submission.id}/cancel`, bob)).status).toBe(404);
    // Scored with a private split: the team sees only its public score until publication.
    await api.ctx.db.send(
      new UpdateCommand({
        TableName: api.ctx.config.tableName,
        Key: keys.submission(submission.id),
        UpdateExpression: 'SET #status = :scored, scores = :scores',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':scored': 'SCORED',
          ':scores': { overall: 0.812345, public: 0.8, private: 0.823456, scorerVersion: 'v1', scoredAt: '2026-06-01T12:00:00Z' },
        },
      }),
    );
    const mine = (await (await api.call('GET', `/submissions/${submission.id}`, alice)).json()) as { score: Record<string, number> };
    expect(mine.score).toEqual({ public: 0.8 });
    const organiser = await api.login('org@example.org', 'organiser');
    const full = (await (await api.call('GET', `/admin/submissions/${submission.id}`, organiser)).json()) as { score: Record<string, number> };
    expect(full.score).toEqual({ overall: 0.8123, public: 0.8, private: 0.8235 });
    const publish = await api.call('POST', '/admin/challenges/tissuenet/phases/learning/publish', organiser, {
      force: true,
      reason: 'test: reveal before close',
    });
    expect(publish.status).toBe(200);
    const published = (await (await api.call('GET', `/submissions/${submission.id}`, alice)).json()) as { score: Record<string, number> };
    expect(published.score.private).toBe(0.8235);
  });

  it('cancels my own queued submission and gives the quota back', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const token = await api.competitor('cancel@example.org');
    const { submission } = (await (await create(api, token)).json()) as { submission: { id: string } };
    const cancelled = await api.call('POST', `/submissions/${submission.id}/cancel`, token);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: 'CANCELLED' });
    const quota = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/quota', token)).json()) as {
      perDay: { used: number };
      concurrent: { running: number };
    };
    expect(quota.perDay.used).toBe(0);
    expect(quota.concurrent.running).toBe(0);
  });
});
