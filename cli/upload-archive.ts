import { openAsBlob } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ApiClient } from './api-client.ts';
import { CliError, EXIT, formatBytes } from './output.ts';
import { createProgressBar } from './progress.ts';
import type { Submission, UploadInstructions } from './api-types.ts';
import { seg } from './cli-context.ts';

/**
 * Sends the archive where the API said: one presigned POST, or PUTs of each part then "complete".
 * Returns the submission as it stands after the upload, as far as the CLI knows.
 */
export async function uploadArchive(api: ApiClient, submission: Submission, upload: UploadInstructions, archivePath: string, bytes: number, showProgress: boolean): Promise<Submission> {
  if (upload.method === 'POST') {
    if (bytes > upload.maxBytes) {
      throw new CliError('ARCHIVE_TOO_LARGE', `the archive is ${formatBytes(bytes)}, over this phase's limit of ${formatBytes(upload.maxBytes)}`);
    }
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', await openAsBlob(archivePath, { type: 'application/zip' }), 'submission.zip');
    const bar = createProgressBar({ label: 'uploading', totalBytes: bytes, enabled: showProgress });
    const response = await send(upload.url, { method: 'POST', body: form });
    if (!response.ok) throw await storageRefusal(response, 'upload');
    bar.advance(bytes);
    bar.done();
    return submission;
  }

  const bar = createProgressBar({ label: 'uploading', totalBytes: bytes, enabled: showProgress });
  const handle = await open(archivePath, 'r');
  const etags: { partNumber: number; etag: string }[] = [];
  try {
    let next = 0;
    const worker = async () => {
      while (next < upload.parts.length) {
        const part = upload.parts[next++]!;
        const start = (part.partNumber - 1) * upload.partBytes;
        const length = Math.max(0, Math.min(upload.partBytes, bytes - start));
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, start);
        const response = await putPart(part.url, buffer, part.partNumber);
        const etag = response.headers.get('etag');
        if (!etag) throw new CliError('UPLOAD_FAILED', `storage accepted part ${part.partNumber} without an ETag; cannot complete the upload`);
        etags.push({ partNumber: part.partNumber, etag });
        bar.advance(length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, upload.parts.length) }, worker));
  } finally {
    await handle.close();
  }
  bar.done();
  etags.sort((a, b) => a.partNumber - b.partNumber);
  return api.post<Submission>(`/submissions/${seg(submission.id)}/upload/complete`, { parts: etags });
}

/** One lost connection or storage hiccup costs one part, retried, not the whole upload. */
async function putPart(url: string, body: Buffer, partNumber: number, attempts = 3): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await send(url, { method: 'PUT', body });
      if (response.ok) return response;
      if (response.status < 500 || attempt >= attempts) throw await storageRefusal(response, `part ${partNumber}`);
    } catch (error) {
      if (!(error instanceof CliError) || error.code !== 'UPLOAD_FAILED' || attempt >= attempts || !error.message.startsWith('cannot reach')) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
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
    code === 'EntityTooLarge' ? "the archive is over the phase's size limit" : code === 'AccessDenied' || code === 'ExpiredToken' ? 'the upload link expired or was already used: submit again' : undefined;
  return new CliError('UPLOAD_FAILED', `storage refused the ${what}: ${response.status}${code ? ` ${code}` : ''}${message ? ` (${message})` : ''}`, { hint });
}
