import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** Credentials the local stack mints for one job, standing in for those ECS serves its role on AWS. */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Why AWS would refuse a request before looking at any policy, in the service's own words. */
export interface SignatureRefusal {
  code: 'MissingAuthenticationToken' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch';
  message: string;
}

const bytesOf = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The hash the SDK's signer takes: node's, behind the Checksum shape (HMAC when given a secret). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret ? createHmac('sha256', bytesOf(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** `20261202T143000Z` → the instant. */
const amzDate = (value: string) => new Date(value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

/**
 * Checks a request's Signature Version 4 as AWS does before any authorization: signed, with the
 * job's key, and a signature the SDK's own signer reproduces over the headers it names. Code that
 * shares the job's network but not its credentials (the sandboxed competitor or scoring program)
 * is refused here, as S3 and DynamoDB refuse unsigned or wrongly signed requests.
 */
export async function verifySignature(
  request: { method: string; rawPath: string; query: URLSearchParams; headers: Record<string, string | string[] | undefined>; body?: Buffer },
  credentials: LocalCredentials,
  service: 's3' | 'dynamodb',
): Promise<SignatureRefusal | undefined> {
  const authorization = request.headers.authorization;
  const match = typeof authorization === 'string' ? AUTHORIZATION.exec(authorization) : null;
  if (!match)
    return { code: 'MissingAuthenticationToken', message: 'the request is not signed with Signature Version 4: AWS refuses it before any policy is read' };
  const [, accessKeyId, , region, signedService, signedHeaderList, given] = match;
  if (accessKeyId !== credentials.accessKeyId) {
    return { code: 'InvalidAccessKeyId', message: `the access key ${accessKeyId} is not this job's credentials` };
  }
  const signedHeaders = signedHeaderList!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const date = typeof request.headers['x-amz-date'] === 'string' ? amzDate(request.headers['x-amz-date']) : undefined;
  if (!date || Number.isNaN(date.getTime())) return { code: 'SignatureDoesNotMatch', message: 'the request has no valid x-amz-date' };
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    const values = request.query.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  // S3 signs the path as sent (already escaped); other services escape it once more.
  const signer = new SignatureV4({ credentials, region: region!, service: signedService!, sha256: NodeSha256, uriEscapePath: service !== 's3' });
  const host = String(request.headers.host ?? '');
  const expected = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: host, path: request.rawPath, query, headers, ...(request.body ? { body: request.body } : {}) },
    { signingDate: date, signableHeaders: new Set(signedHeaders) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? '';
  if (expectedSignature.length !== given!.length || !timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(given!))) {
    return { code: 'SignatureDoesNotMatch', message: 'the request signature does not match the one calculated with this job’s credentials' };
  }
  return undefined;
}
