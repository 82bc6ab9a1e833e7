import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

/** An error S3 would answer, with the status, code and message AWS uses for it. */
export interface S3Refusal {
  status: number;
  code: string;
  message: string;
  /** Extra elements S3 puts in its <Error> body (ProposedSize, Condition, ...). */
  details?: Record<string, string | number>;
}

const escapeXml = (text: string) => text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

/** S3's XML error document: what the SDK and the CLI parse to name the problem. */
export function s3ErrorXml(refusal: S3Refusal, requestId: string): string {
  const details = Object.entries(refusal.details ?? {})
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(refusal.code)}</Code><Message>${escapeXml(refusal.message)}</Message>${details}<RequestId>${requestId}</RequestId></Error>`
  );
}

/** Answers the refusal as S3 does: the XML body, none for HEAD. */
export function sendRefusal(response: ServerResponse, refusal: S3Refusal, method: string | undefined): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = method === 'HEAD' ? '' : s3ErrorXml(refusal, requestId);
  response.writeHead(refusal.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  response.end(body);
}
