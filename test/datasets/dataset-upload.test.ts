import { createHash, randomBytes } from 'node:crypto';
import { openSync, writeSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { partSizeFor, S3_MULTIPART_LIMITS } from '#shared/datasets/file-checksums.ts';
import { uploadChallengeDatasets, type UploadDatasetsOptions, type UploadEvent } from '#shared/datasets/upload-datasets.ts';
import { uploadStateFile } from '#shared/datasets/upload-state.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { scaffoldFiles } from '../../cli/commands/init.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

const MiB = 1024 * 1024;
const SLIDE = 'slides/slide-001.tif';
/** 40 MiB in 5 MiB parts: eight parts, multipart from 8 MiB up. */
const small = { multipartThresholdBytes: 8 * MiB, partSizeBytes: 5 * MiB, partConcurrency: 1 } satisfies UploadDatasetsOptions;

let fixture: StorageFixture;
let work: string;

beforeAll(async () => {
  fixture = await startStorageFixture();
  work = await mkdtemp(join(tmpdir(), 'podium-dataset-upload-'));
});

afterAll(async () => {
  await fixture?.close();
  await rm(work, { recursive: true, force: true });
});

/** A scaffolded challenge whose training set holds one 40 MiB slide, with its own buckets and state dir. */
async function setUp(name: string) {
  const dir = join(work, name);
  for (const [path, content] of Object.entries(scaffoldFiles('lung-nodules', 'Lung nodules', new Date()))) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const slide = join(dir, 'data', 'train', SLIDE);
  await mkdir(dirname(slide), { recursive: true });
  await writeFile(slide, randomBytes(40 * MiB));
  const ctx = await fixture.freshContext();
  const challenge = await loadChallenge(dir);
  const stateDir = join(dir, 'state');
  const calls = countCalls(ctx.s3);
  const events: UploadEvent[] = [];
  const upload = (options: UploadDatasetsOptions = {}) =>
    uploadChallengeDatasets(ctx, challenge, join(dir, 'data'), {
      ...small,
      stateDir,
      onProgress: (event) => events.push(event),
      ...options,
    });
  return { ctx, challenge, slide, stateDir, calls, events, upload, key: objectKeys.datasetFile(challenge.id, 'train', SLIDE) };
}

/** Counts the S3 operations a client sends (an observer on the real client, not a mock). */
function countCalls(s3: S3Client): { counts: Record<string, number>; reset(): void } {
  const counts: Record<string, number> = {};
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { counts, reset: () => Object.keys(counts).forEach((name) => delete counts[name]) };
}

async function storedSha256(ctx: PodiumContext, key: string): Promise<{ content: string; metadata: string | undefined }> {
  const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Buffer>) hash.update(chunk);
  return { content: hash.digest('hex'), metadata: object.Metadata?.sha256 };
}

async function localSha256(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Overwrites bytes in the middle of a file, keeping its size. */
function scribble(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, randomBytes(1024), 0, 1024, offset);
  closeSync(fd);
}

/** An AbortSignal that fires once `parts` parts of the slide have been acknowledged. */
function abortAfterParts(events: UploadEvent[], parts: number): { signal: AbortSignal; onProgress: (event: UploadEvent) => void } {
  const controller = new AbortController();
  let sent = 0;
  return {
    signal: controller.signal,
    onProgress(event) {
      events.push(event);
      if (event.kind === 'sent' && event.bytes === 5 * MiB && ++sent === parts) controller.abort(new Error('interrupted by the test'));
    },
  };
}

describe("uploading a challenge's datasets", () => {
  it('sends a large file as a multipart upload in checksummed parts, whose bytes and SHA-256 match the file', async () => {
    const { ctx, slide, calls, events, upload, key } = await setUp('multipart');
    const summary = await upload();

    expect(calls.counts.CreateMultipartUploadCommand).toBe(1);
    expect(calls.counts.UploadPartCommand).toBe(8);
    expect(calls.counts.CompleteMultipartUploadCommand).toBe(1);
    const expected = await localSha256(slide);
    expect(await storedSha256(ctx, key)).toEqual({ content: expected, metadata: expected });
    expect(events).toContainEqual({ kind: 'file', datasetId: 'train', path: SLIDE, bytes: 40 * MiB, skipped: false, parts: 8 });
    expect(summary.bytesSent).toBeGreaterThanOrEqual(40 * MiB);

    const manifest = await ctx.s3.send(
      new GetObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: objectKeys.datasetFile('lung-nodules', 'train', 'manifest.json') }),
    );
    const files = JSON.parse(await manifest.Body!.transformToString()).files as { path: string; sha256: string }[];
    expect(files.find((file) => file.path === SLIDE)?.sha256).toBe(expected);
  });

  it('resumes an interrupted upload, sending only the parts the first run did not finish', async () => {
    const { ctx, slide, stateDir, calls, events, upload, key } = await setUp('resume');
    await expect(upload(abortAfterParts(events, 3))).rejects.toThrow('interrupted by the test');
    expect(calls.counts.UploadPartCommand).toBe(3);
    await expect(ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: key }))).rejects.toThrow();
    expect(await readdir(stateDir)).toHaveLength(1);

    calls.reset();
    events.length = 0;
    const summary = await upload();
    expect(calls.counts.CreateMultipartUploadCommand).toBeUndefined();
    expect(calls.counts.UploadPartCommand).toBe(5);
    expect(events).toContainEqual({ kind: 'resuming', datasetId: 'train', path: SLIDE, bytes: 15 * MiB, partsDone: 3, parts: 8 });
    expect(events.some((event) => event.kind === 'hashing')).toBe(false);
    expect(summary.resumed).toBe(1);
    const expected = await localSha256(slide);
    expect(await storedSha256(ctx, key)).toEqual({ content: expected, metadata: expected });
    expect(await readdir(stateDir)).toHaveLength(0);
  });

  it('skips the file once stored, and uploads it again when it changes', async () => {
    const { ctx, slide, calls, events, upload, key } = await setUp('unchanged');
    await upload();
    calls.reset();
    events.length = 0;

    const again = await upload();
    expect(calls.counts.UploadPartCommand).toBeUndefined();
    expect(calls.counts.PutObjectCommand).toBe(3); // the manifests (two downloadable datasets', the hidden one's); every data file is unchanged
    expect(again.uploaded).toBe(0);
    expect(again.bytesSent).toBe(0);
    expect(events).toContainEqual({ kind: 'file', datasetId: 'train', path: SLIDE, bytes: 40 * MiB, skipped: true });

    scribble(slide, 17 * MiB);
    calls.reset();
    const changed = await upload();
    expect(changed.uploaded).toBe(1);
    expect(calls.counts.UploadPartCommand).toBe(8);
    const expected = await localSha256(slide);
    expect(await storedSha256(ctx, key)).toEqual({ content: expected, metadata: expected });
  });

  it('ignores a corrupt state file, saying so, and uploads the file from the start', async () => {
    const { ctx, slide, stateDir, calls, events, upload, key } = await setUp('corrupt-state');
    const stateFile = uploadStateFile(stateDir, ctx.config.datasetsBucket, key);
    await mkdir(stateDir, { recursive: true });
    await writeFile(stateFile, '{"version":1,"uploadId":"abc","completed":[');

    await upload();
    const notice = events.find((event) => event.kind === 'notice');
    expect(notice).toEqual({
      kind: 'notice',
      message: expect.stringContaining(`train/${SLIDE}: not resuming, its state file ${stateFile} is unreadable (not valid JSON)`),
    });
    expect(calls.counts.UploadPartCommand).toBe(8);
    const expected = await localSha256(slide);
    expect(await storedSha256(ctx, key)).toEqual({ content: expected, metadata: expected });
    expect(await readdir(stateDir)).toHaveLength(0);
  });

  it('does not resume from a state the file has outgrown: an edit after the interruption uploads every part again', async () => {
    const { ctx, slide, calls, events, upload, key } = await setUp('stale-state');
    await expect(upload(abortAfterParts(events, 2))).rejects.toThrow('interrupted by the test');
    scribble(slide, 1024);
    calls.reset();
    events.length = 0;

    await upload();
    expect(events).toContainEqual({
      kind: 'notice',
      message: `train/${SLIDE}: not resuming, the file changed since the interrupted upload; uploading it from the start`,
    });
    expect(calls.counts.UploadPartCommand).toBe(8);
    const expected = await localSha256(slide);
    expect(await storedSha256(ctx, key)).toEqual({ content: expected, metadata: expected });
  });

  it('fails a file edited while it uploads, storing nothing, rather than mixing two versions', async () => {
    const { ctx, slide, stateDir, upload, key } = await setUp('edited-midway');
    let edited = false;
    const failure = await upload({
      onProgress(event) {
        if (event.kind === 'sent' && event.bytes === 5 * MiB && !edited) {
          edited = true;
          scribble(slide, 30 * MiB);
        }
      },
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('changed while it was being uploaded') });
    await expect(ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: key }))).rejects.toThrow();
    expect(await readdir(stateDir)).toHaveLength(0);
  });

  it("refuses a file over S3's 5 TiB object limit before hashing it, and sizes parts so 5 TiB fits in 10,000", async () => {
    const { slide, events, upload } = await setUp('too-large');
    await truncate(slide, S3_MULTIPART_LIMITS.maxObjectBytes + 1); // sparse: no disk used
    await expect(upload()).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining("over S3's object limit of 5 TiB") });
    expect(events.some((event) => event.kind === 'hashing')).toBe(false);

    const partSize = partSizeFor(S3_MULTIPART_LIMITS.maxObjectBytes, 16 * MiB);
    expect(partSize % MiB).toBe(0);
    expect(Math.ceil(S3_MULTIPART_LIMITS.maxObjectBytes / partSize)).toBeLessThanOrEqual(10_000);
    expect(partSizeFor(6 * 1024 * MiB, 16 * MiB)).toBe(16 * MiB);
  });
});
