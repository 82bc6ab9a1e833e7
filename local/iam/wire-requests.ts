/**
 * The SDK operation an HTTP request on the wire is, for code whose clients cannot be wrapped (a job
 * container runs its own bundle): S3's REST API by method, path and sub-resource, DynamoDB's JSON
 * protocol by its X-Amz-Target header. The result feeds the same mapping as the SDK middleware
 * (sdk-requests.ts), so one table says which IAM action each operation is.
 */

/** One SDK operation: its command name and the input the SDK would have been given. */
export interface WireOperation {
  command: string;
  input: Record<string, unknown>;
}

type Headers = Record<string, string | string[] | undefined>;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The bucket and key of a path-style request (`/bucket/key/with/slashes`), decoded. */
function bucketAndKey(pathname: string): { bucket: string; key?: string } {
  const [, bucket = '', ...rest] = pathname.split('/');
  const key = rest.length > 0 ? rest.map(decodeURIComponent).join('/') : undefined;
  return { bucket: decodeURIComponent(bucket), ...(key ? { key } : {}) };
}

/** Server-side encryption headers as the SDK input names them (bucket policies condition on them). */
function encryptionOf(headers: Headers): Record<string, string> {
  const input: Record<string, string> = {};
  const algorithm = header(headers, 'x-amz-server-side-encryption');
  const keyId = header(headers, 'x-amz-server-side-encryption-aws-kms-key-id');
  if (algorithm) input.ServerSideEncryption = algorithm;
  if (keyId) input.SSEKMSKeyId = keyId;
  return input;
}

/** `<Key>…</Key>` entries of a DeleteObjects body, with XML's five entities decoded. */
function deletedKeysOf(body: string): { Key: string }[] {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return [...body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map(([, key]) => ({
    Key: key!.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name: string, decimal?: string, hex?: string) =>
      decimal ? String.fromCodePoint(Number(decimal)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : entities[name]!,
    ),
  }));
}

/** Query parameters that only refine an operation (listing, versions, response headers). */
const PARAMETERS = [
  'x-id',
  'prefix',
  'delimiter',
  'max-keys',
  'marker',
  'continuation-token',
  'start-after',
  'fetch-owner',
  'encoding-type',
  'versionId',
  'key-marker',
  'version-id-marker',
  'upload-id-marker',
  'max-uploads',
  'max-parts',
  'part-number-marker',
];

/** Sub-resources that change which operation a request is (S3 API reference); x-id only names it. */
const SUB_RESOURCES = ['uploads', 'uploadId', 'partNumber', 'tagging', 'attributes', 'versions', 'list-type', 'delete', 'location', 'acl', 'policy'];

/**
 * The S3 operation of a path-style REST request. `body` is needed only for DeleteObjects (the keys
 * it deletes); `needsBody` tells the caller when to buffer it. An unrecognised request throws,
 * naming it, so nothing passes unevaluated.
 */
export function s3OperationOf(method: string, url: URL, headers: Headers, body?: string): WireOperation {
  const { bucket, key } = bucketAndKey(url.pathname);
  const query = url.searchParams;
  const has = (name: string) => query.has(name);
  const unknownSubResource = [...query.keys()].find((name) => !SUB_RESOURCES.includes(name) && !PARAMETERS.includes(name) && !name.startsWith('response-'));
  const unknown = () => new Error(`S3 ${method} ${url.pathname}${url.search}: no operation mapping in local/iam/wire-requests.ts`);
  if (unknownSubResource || has('acl') || has('policy') || has('location')) throw unknown();
  const Bucket = bucket;
  if (!key) {
    if (method === 'GET' && query.get('list-type') === '2') return { command: 'ListObjectsV2', input: { Bucket, ...listInput(query) } };
    if (method === 'GET' && has('versions')) return { command: 'ListObjectVersions', input: { Bucket, ...listInput(query) } };
    if (method === 'GET' && has('uploads')) return { command: 'ListMultipartUploads', input: { Bucket, ...listInput(query) } };
    if (method === 'GET' && !has('tagging')) return { command: 'ListObjects', input: { Bucket, ...listInput(query) } };
    if (method === 'HEAD') return { command: 'HeadBucket', input: { Bucket } };
    if (method === 'PUT' && query.size === 0) return { command: 'CreateBucket', input: { Bucket } };
    if (method === 'POST' && has('delete')) return { command: 'DeleteObjects', input: { Bucket, Delete: { Objects: deletedKeysOf(body ?? '') } } };
    throw unknown();
  }
  const Key = key;
  const versionId = query.get('versionId');
  const version = versionId ? { VersionId: versionId } : {};
  switch (method) {
    case 'GET':
      if (has('uploadId')) return { command: 'ListParts', input: { Bucket, Key } };
      if (has('tagging')) return { command: 'GetObjectTagging', input: { Bucket, Key, ...version } };
      if (has('attributes')) return { command: 'GetObjectAttributes', input: { Bucket, Key, ...version } };
      return { command: 'GetObject', input: { Bucket, Key, ...version } };
    case 'HEAD':
      return { command: 'HeadObject', input: { Bucket, Key, ...version } };
    case 'PUT': {
      const copySource = header(headers, 'x-amz-copy-source');
      if (has('uploadId') && copySource) return { command: 'CopyObject', input: { Bucket, Key, CopySource: copySource } };
      if (has('uploadId')) return { command: 'UploadPart', input: { Bucket, Key } };
      if (has('tagging')) return { command: 'PutObjectTagging', input: { Bucket, Key } };
      if (copySource) return { command: 'CopyObject', input: { Bucket, Key, CopySource: copySource, ...encryptionOf(headers) } };
      return { command: 'PutObject', input: { Bucket, Key, ...encryptionOf(headers) } };
    }
    case 'POST':
      if (has('uploads')) return { command: 'CreateMultipartUpload', input: { Bucket, Key, ...encryptionOf(headers) } };
      if (has('uploadId')) return { command: 'CompleteMultipartUpload', input: { Bucket, Key } };
      throw unknown();
    case 'DELETE':
      if (has('uploadId')) return { command: 'AbortMultipartUpload', input: { Bucket, Key } };
      if (has('tagging')) throw unknown();
      return { command: 'DeleteObject', input: { Bucket, Key, ...version } };
    default:
      throw unknown();
  }
}

/** The listing parameters bucket policies and identity policies condition on (s3:prefix and the like). */
function listInput(query: URLSearchParams): Record<string, string> {
  const input: Record<string, string> = {};
  const prefix = query.get('prefix');
  const delimiter = query.get('delimiter');
  const maxKeys = query.get('max-keys');
  if (prefix !== null) input.Prefix = prefix;
  if (delimiter !== null) input.Delimiter = delimiter;
  if (maxKeys !== null) input.MaxKeys = maxKeys;
  return input;
}

/** Whether the request's body names what it acts on (DeleteObjects' keys), so it must be read first. */
export function s3NeedsBody(method: string, url: URL): boolean {
  return method === 'POST' && url.searchParams.has('delete');
}

/** The DynamoDB operation of a JSON-protocol request: `X-Amz-Target: DynamoDB_20120810.GetItem`, the input as its body. */
export function dynamoOperationOf(headers: Headers, body: string): WireOperation {
  const target = header(headers, 'x-amz-target') ?? '';
  const match = /^DynamoDB_\d{8}\.(\w+)$/.exec(target);
  if (!match) throw new Error(`DynamoDB request with X-Amz-Target "${target}": not an operation of DynamoDB's JSON protocol`);
  let input: unknown;
  try {
    input = JSON.parse(body || '{}');
  } catch {
    throw new Error(`DynamoDB ${match[1]}: the request body is not JSON`);
  }
  return { command: match[1]!, input: input as Record<string, unknown> };
}
