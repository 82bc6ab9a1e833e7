import { answerOf, podiumApi, type ApiSchema } from '../../lib/podium-api.ts';

type UploadInstructions = ApiSchema<'ArchiveUpload'>;

/**
 * Sends the archive where the API said (docs/API.md, upload): one presigned POST, or each part
 * PUT to its URL then `upload/complete` with the parts' ETags. XMLHttpRequest, because fetch
 * reports no upload progress.
 */
export async function uploadArchive(submissionId: string, upload: UploadInstructions, archive: Blob, onProgress: (sentBytes: number) => void): Promise<void> {
  if (upload.method === 'POST') {
    if (archive.size > upload.maxBytes) throw new Error(`the archive is ${archive.size} bytes, over the phase's limit of ${upload.maxBytes}`);
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', archive, 'submission.zip');
    await send('POST', upload.url, form, onProgress);
    return;
  }
  const sentPerPart = new Map<number, number>();
  const report = () => onProgress([...sentPerPart.values()].reduce((sum, sent) => sum + sent, 0));
  const parts: { partNumber: number; etag: string }[] = [];
  // Parts go four at a time, in order of their numbers.
  const queue = [...upload.parts];
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const start = (part.partNumber - 1) * upload.partBytes;
      const partNumber = part.partNumber;
      const etag = await send('PUT', part.url, archive.slice(start, start + upload.partBytes), (sent) => {
        sentPerPart.set(partNumber, sent);
        report();
      });
      if (!etag) throw new Error(`storage accepted part ${partNumber} without an ETag; cannot complete the upload`);
      parts.push({ partNumber, etag });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  parts.sort((a, b) => a.partNumber - b.partNumber);
  await answerOf(podiumApi.POST('/submissions/{submissionId}/upload/complete', { params: { path: { submissionId } }, body: { parts } }));
}

/** Resolves with the response's ETag; rejects with storage's own refusal (its XML Message). */
function send(method: 'POST' | 'PUT', url: string, body: XMLHttpRequestBodyInit, onProgress: (sentBytes: number) => void): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) return resolve(request.getResponseHeader('ETag'));
      const message = /<Message>([^<]*)<\/Message>/.exec(request.responseText)?.[1];
      reject(new Error(`storage refused the upload (HTTP ${request.status})${message ? `: ${message}` : ''}`));
    };
    request.onerror = () => reject(new Error('the upload could not reach storage (network error)'));
    request.send(body);
  });
}
