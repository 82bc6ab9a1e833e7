import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mapWithConcurrency } from '../concurrency.ts';
import { PodiumError } from '../errors.ts';
import { withRetries } from '../retry.ts';
import { partCount, partRange, type FileChecksums } from './file-checksums.ts';
import { removeUploadState, writeUploadState, type UploadState } from './upload-state.ts';

const PART_ATTEMPTS = 3;
const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface MultipartSource {
  bucket: string;
  key: string;
  /** Absolute path of the local file. */
  path: string;
  size: number;
  mtimeMs: number;
  partSize: number;
  checksums: FileChecksums;
  /** Extra CreateMultipartUpload fields (server-side encryption for labels). */
  encryption?: { ServerSideEncryption: 'aws:kms'; SSEKMSKeyId: string };
}

export interface MultipartOptions {
  /** Parts in flight at once for this file; each streams from disk, so memory stays small. */
  concurrency: number;
  /** Where the upload records its finished parts; without it an interrupted upload starts over. */
  stateFile?: string;
  /** A previous run's state for this file, already checked against it. */
  resumeFrom?: UploadState;
  signal?: AbortSignal;
  /** Called as each part is acknowledged by S3. */
  onPartSent?: (bytes: number) => void;
}

export interface MultipartOutcome {
  partsSent: number;
  partsReused: number;
  bytesSent: number;
}

/**
 * Uploads one large file as an S3 multipart upload: parts streamed from disk with bounded
 * concurrency, each carrying its SHA-256 (S3 verifies it; the bytes streamed are checked against
 * it here too, so a file edited mid-upload fails instead of storing a mix), every finished part
 * recorded in the state file so a later run resumes, and the result checked with HeadObject.
 */
export async function uploadMultipart(s3: S3Client, source: MultipartSource, options: MultipartOptions): Promise<MultipartOutcome> {
  const parts = partCount(source.size, source.partSize);
  let state = options.resumeFrom;
  if (!state) {
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: source.bucket,
        Key: source.key,
        Metadata: { sha256: source.checksums.sha256 },
        ChecksumAlgorithm: 'SHA256',
        ...source.encryption,
      }),
      { abortSignal: options.signal },
    );
    state = {
      version: 1,
      bucket: source.bucket,
      key: source.key,
      source: source.path,
      size: source.size,
      mtimeMs: source.mtimeMs,
      sha256: source.checksums.sha256,
      partSize: source.partSize,
      partSha256: source.checksums.partSha256,
      uploadId: created.UploadId!,
      completed: [],
    };
    await saveState(options.stateFile, state);
  }
  const upload = state;
  const done = new Set(upload.completed.map((part) => part.partNumber));
  const pending = Array.from({ length: parts }, (_, index) => index + 1).filter((partNumber) => !done.has(partNumber));
  const partsReused = parts - pending.length;

  // Parts finishing while the state is being written are saved together by the next write, so a
  // 10,000-part upload does not rewrite its state 10,000 times.
  let dirty = false;
  let saving: Promise<void> | undefined;
  let saveFailure: unknown;
  const persist = () => {
    dirty = true;
    saving ??= (async () => {
      try {
        while (dirty) {
          dirty = false;
          await saveState(options.stateFile, upload);
        }
      } catch (error) {
        saveFailure ??= error;
      } finally {
        saving = undefined;
      }
    })();
  };
  let bytesSent = 0;
  try {
    // One failed part stops the others; the outer signal (Ctrl-C) stops them all.
    await mapWithConcurrency(
      pending,
      options.concurrency,
      async (partNumber, _index, signal) => {
        const etag = await uploadPart(s3, upload, partNumber, signal);
        upload.completed.push({ partNumber, etag });
        const bytes = partRange(partNumber, upload.partSize, upload.size);
        bytesSent += bytes.end - bytes.start;
        persist();
        options.onPartSent?.(bytes.end - bytes.start);
      },
      { signal: options.signal },
    );
  } catch (cause) {
    await saving;
    if (isNoSuchUpload(cause)) await removeUploadState(options.stateFile);
    if (cause instanceof PodiumError && cause.code === 'CONFLICT') await abandon(s3, upload, options.stateFile);
    throw cause;
  }
  await saving;
  if (saveFailure) throw saveFailure;

  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: upload.bucket,
      Key: upload.key,
      UploadId: upload.uploadId,
      MultipartUpload: {
        Parts: [...upload.completed]
          .sort((a, b) => a.partNumber - b.partNumber)
          .map(({ partNumber, etag }) => ({ PartNumber: partNumber, ETag: etag, ChecksumSHA256: upload.partSha256[partNumber - 1] })),
      },
    }),
    { abortSignal: options.signal },
  );
  const stored = await s3.send(new HeadObjectCommand({ Bucket: upload.bucket, Key: upload.key }));
  await removeUploadState(options.stateFile);
  if (stored.ContentLength !== upload.size || stored.Metadata?.sha256 !== upload.sha256) {
    throw new PodiumError(
      'INTERNAL',
      `s3://${upload.bucket}/${upload.key} was stored as ${stored.ContentLength} bytes with SHA-256 ${stored.Metadata?.sha256 ?? 'missing'}; expected ` +
        `${upload.size} bytes with ${upload.sha256}`,
    );
  }
  return { partsSent: pending.length, partsReused, bytesSent };
}

/** Drops an upload that will never complete: its state, and its parts where S3 supports aborting. */
export async function abandon(s3: S3Client, upload: { bucket: string; key: string; uploadId: string }, stateFile: string | undefined): Promise<void> {
  await removeUploadState(stateFile);
  // s3rver has no AbortMultipartUpload; on AWS the bucket's lifecycle rule is the backstop.
  await s3.send(new AbortMultipartUploadCommand({ Bucket: upload.bucket, Key: upload.key, UploadId: upload.uploadId })).catch(() => undefined);
}

export const isNoSuchUpload = (error: unknown): boolean => (error as { name?: string })?.name === 'NoSuchUpload';

async function saveState(stateFile: string | undefined, state: UploadState): Promise<void> {
  if (stateFile) await writeUploadState(stateFile, state);
}

/** Streams one part from disk, retrying on a fresh stream (the SDK never retries a streamed body). */
function uploadPart(s3: S3Client, upload: UploadState, partNumber: number, signal: AbortSignal): Promise<string> {
  return withRetries(() => sendPart(s3, upload, partNumber, signal), {
    attempts: PART_ATTEMPTS,
    delayMs: (attempt) => 250 * 2 ** attempt,
    // A vanished upload or a changed file fails the same way every time.
    retryable: (error) => !isNoSuchUpload(error) && !(error instanceof PodiumError && error.code === 'CONFLICT'),
    signal,
  });
}

async function sendPart(s3: S3Client, upload: UploadState, partNumber: number, signal: AbortSignal): Promise<string> {
  const { start, end } = partRange(partNumber, upload.partSize, upload.size);
  const expected = upload.partSha256[partNumber - 1]!;
  const hash = createHash('sha256');
  let streamed = 0;
  // A body stream that fails must also abort the request, or the SDK waits for bytes forever.
  const request = new AbortController();
  const changed = () =>
    new PodiumError('CONFLICT', `${upload.source} changed while it was being uploaded (part ${partNumber}); run upload-data again to upload the new version`);
  let failure: unknown;
  let flushed!: () => void;
  const checked = new Promise<void>((resolve) => (flushed = resolve));
  const fail = (error: unknown) => {
    failure ??= error;
    request.abort(error);
  };
  const file = createReadStream(upload.source, { start, end: end - 1, highWaterMark: 1024 * 1024 });
  const body = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      streamed += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      if (streamed !== end - start || hash.digest('base64') !== expected) {
        const error = changed();
        fail(error);
        callback(error);
      } else callback();
      flushed();
    },
  });
  file.on('error', fail);
  body.on('error', fail);
  file.pipe(body);
  const command = new UploadPartCommand({
    Bucket: upload.bucket,
    Key: upload.key,
    UploadId: upload.uploadId,
    PartNumber: partNumber,
    Body: body,
    ContentLength: end - start,
    ChecksumSHA256: expected,
  });
  // Without a logger the SDK warns on the console for every failed streamed request (each Ctrl-C);
  // the failure itself reaches the caller.
  command.middlewareStack.add(
    (next, context) => {
      context.logger = quietLogger;
      return next;
    },
    { step: 'initialize', name: 'quietStreamingRetryWarning' },
  );
  try {
    const sent = await s3.send(command, { abortSignal: AbortSignal.any([signal, request.signal]) });
    await checked;
    if (failure) throw failure;
    return sent.ETag!;
  } catch (error) {
    // S3 refuses a part whose bytes do not match its checksum: the file changed under us.
    if ((error as { name?: string })?.name === 'BadDigest') throw changed();
    throw failure ?? error;
  } finally {
    file.destroy();
  }
}
