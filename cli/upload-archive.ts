import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapWithConcurrency } from '#shared/concurrency.ts';
import { withRetries } from '#shared/retry.ts';
import type { ApiClient } from './api-client.ts';
import { CliError, EXIT, formatBytes } from './output.ts';
import { createProgressBar } from './progress.ts';
import type { ApiSchema } from '../api-client/podium-api.ts';

type Submission = ApiSchema<'Submission'>;
type UploadInstructions = ApiSchema<'ArchiveUpload'>;

/** One presigned POST of a file (an archive, a code release), refused before sending when over its limit. */
export async function uploadByPost(
  upload: { url: string; fields: Record<string, string>; maxBytes: number },
  path: string,
  bytes: number,
  showProgress: boolean,
): Promise<void> {
  if (bytes > upload.maxBytes) {
    throw new CliError('ARCHIVE_TOO_LARGE', `the archive is ${formatBytes(bytes)}, over the limit of ${formatBytes(upload.maxBytes)}`);
  }
  const bar = createProgressBar({ label: 'uploading', totalBytes: bytes, enabled: showProgress });
  const response = await postForm(upload.url, upload.fields, path, bytes, (sent) => bar.advance(sent));
  if (!response.ok) throw await storageRefusal(response, 'upload');
  bar.done();
}

/**
 * Sends the archive where the API said: one presigned POST, or PUTs of each part then "complete".
 * Returns the submission as it stands after the upload, as far as the CLI knows.
 */
export async function uploadArchive(
  api: ApiClient,
  submission: Submission,
  upload: UploadInstructions,
  archivePath: string,
  bytes: number,
  showProgress: boolean,
): Promise<Submission> {
  if (upload.method === 'POST') {
    await uploadByPost(upload, archivePath, bytes, showProgress);
    return submission;
  }

  const bar = createProgressBar({ label: 'uploading', totalBytes: bytes, enabled: showProgress });
  const handle = await open(archivePath, 'r');
  const etags: { partNumber: number; etag: string }[] = [];
  try {
    await mapWithConcurrency(upload.parts, 4, async (part) => {
      const start = (part.partNumber - 1) * upload.partBytes;
      const length = Math.max(0, Math.min(upload.partBytes, bytes - start));
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, start);
      const response = await putPart(part.url, buffer, part.partNumber);
      const etag = response.headers.get('etag');
      if (!etag) throw new CliError('UPLOAD_FAILED', `storage accepted part ${part.partNumber} without an ETag; cannot complete the upload`);
      etags.push({ partNumber: part.partNumber, etag });
      bar.advance(length);
    });
  } finally {
    await handle.close();
  }
  bar.done();
  etags.sort((a, b) => a.partNumber - b.partNumber);
  return api.read(api.user.POST('/submissions/{submissionId}/upload/complete', { params: { path: { submissionId: submission.id } }, body: { parts: etags } }));
}

/** One lost connection or storage hiccup costs one part, retried, not the whole upload. */
function putPart(url: string, body: Buffer, partNumber: number, attempts = 3): Promise<Response> {
  return withRetries(
    async () => {
      const response = await send(url, { method: 'PUT', body });
      if (!response.ok) throw await storageRefusal(response, `part ${partNumber}`);
      return response;
    },
    { attempts, delayMs: (attempt) => 500 * attempt, retryable: isTransientUploadFailure },
  );
}

/** Storage's own 5xx, or no answer at all; a refusal (4xx) would be refused again. */
function isTransientUploadFailure(error: unknown): boolean {
  if (!(error instanceof CliError) || error.code !== 'UPLOAD_FAILED') return false;
  const status = (error.details as { status?: number } | undefined)?.status;
  return error.exitCode === EXIT.unreachable || (status !== undefined && status >= 500);
}

/**
 * A presigned POST as a streamed multipart/form-data body with its exact Content-Length (S3 needs
 * one): the archive goes from disk to the socket, so a 2 GiB archive costs the CLI no more memory
 * than a small one (fetch with a FormData of `openAsBlob` buffers the whole file on Node 20).
 */
async function postForm(url: string, fields: Record<string, string>, archivePath: string, bytes: number, onSent: (bytes: number) => void): Promise<Response> {
  const boundary = `----podium${randomBytes(12).toString('hex')}`;
  const fieldParts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const head = Buffer.from(
    `${fieldParts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="submission.zip"\r\nContent-Type: application/zip\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const target = new URL(url);
  const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + bytes + tail.length },
  });
  const answered = new Promise<Response>((resolve, reject) => {
    request.once('response', (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.once('end', () => {
        const status = incoming.statusCode ?? 500;
        const body = Buffer.concat(chunks);
        // A 204 (S3's answer to a stored POST) carries no body, and a Response must not have one.
        resolve(new Response(body.length > 0 && status !== 204 && status !== 304 ? body : null, { status }));
      });
      incoming.once('error', reject);
    });
    request.once('error', reject);
  });
  try {
    const file = createReadStream(archivePath);
    file.on('data', (chunk) => onSent(chunk.length));
    await pipeline(
      (async function* () {
        yield head;
        yield* file;
        yield tail;
      })(),
      request,
    );
    return await answered;
  } catch (error) {
    // S3 may answer (and close) before the body is sent, for a refused policy: its answer wins.
    const early = await Promise.race([answered, sleep(200, undefined)]).catch(() => undefined);
    if (early) return early;
    throw new CliError('UPLOAD_FAILED', `cannot reach the upload URL (${(error as { code?: string }).code ?? (error as Error).message})`, {
      exitCode: EXIT.unreachable,
    });
  }
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    throw new CliError('UPLOAD_FAILED', `cannot reach the upload URL (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`, {
      exitCode: EXIT.unreachable,
    });
  }
}

/** S3 answers in XML: keep its Code and Message, which say what was wrong (too large, expired). */
async function storageRefusal(response: Response, what: string): Promise<CliError> {
  const text = await response.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  const hint =
    code === 'EntityTooLarge'
      ? "the archive is over the phase's size limit"
      : code === 'AccessDenied' || code === 'ExpiredToken'
        ? 'the upload link expired or was already used: submit again'
        : undefined;
  return new CliError('UPLOAD_FAILED', `storage refused the ${what}: ${response.status}${code ? ` ${code}` : ''}${message ? ` (${message})` : ''}`, {
    hint,
    details: { status: response.status },
  });
}
