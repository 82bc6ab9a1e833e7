import { createHmac, timingSafeEqual } from 'node:crypto';
import type { S3Refusal } from './s3-refusal.ts';

/**
 * The checks S3 makes on a browser-style POST upload before it stores anything: the SigV4
 * signature over the base64 policy, the policy's expiration, every condition, and no form field
 * left unconditioned. The file's size is judged later, once streamed (`sizeRefusal`).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The file sizes the policy's `content-length-range` conditions allow, both ends inclusive. */
export interface SizeRange {
  min: number;
  max: number;
}

export interface PostForm {
  /** The bucket the POST was sent to (the URL path, not the form). */
  bucket: string;
  /** The form fields before the file part, names lower-cased (S3 compares them case-insensitively). */
  fields: ReadonlyMap<string, string>;
}

export type PolicyVerdict = { allowed: true; sizeRange?: SizeRange } | { allowed: false; refusal: S3Refusal };

/** Form fields S3 never requires a condition for; `x-ignore-*` fields neither. */
const UNCONDITIONED_FIELDS = new Set(['policy', 'x-amz-signature', 'file']);

const refuse = (status: number, code: string, message: string, details?: S3Refusal['details']): PolicyVerdict => ({
  allowed: false,
  refusal: { status, code, message, ...(details ? { details } : {}) },
});
const policyInvalid = (why: string) => refuse(400, 'InvalidPolicyDocument', `Invalid Policy: ${why}`);
const policyViolated = (why: string) => refuse(403, 'AccessDenied', `Invalid according to Policy: ${why}`);

export function verifyPostPolicy(form: PostForm, credentials: readonly S3Credentials[], now: Date): PolicyVerdict {
  const encodedPolicy = form.fields.get('policy');
  // Podium's buckets are private: an unsigned POST is an anonymous write.
  if (encodedPolicy === undefined) return refuse(403, 'AccessDenied', 'Access Denied');
  const signature = form.fields.get('x-amz-signature');
  if (signature === undefined)
    return refuse(400, 'InvalidArgument', "Bucket POST must contain a field named 'X-Amz-Signature'.", { ArgumentName: 'X-Amz-Signature' });
  const algorithm = form.fields.get('x-amz-algorithm');
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    return refuse(400, 'InvalidArgument', 'Only AWS4-HMAC-SHA256 POST policies are supported here.', {
      ArgumentName: 'X-Amz-Algorithm',
      ArgumentValue: algorithm ?? '',
    });
  }
  const scope = /^([^/]+)\/(\d{8})\/([^/]+)\/(s3)\/aws4_request$/.exec(form.fields.get('x-amz-credential') ?? '');
  if (!scope) {
    return refuse(400, 'InvalidArgument', 'X-Amz-Credential must read <access key>/<YYYYMMDD>/<region>/s3/aws4_request.', {
      ArgumentName: 'X-Amz-Credential',
      ArgumentValue: form.fields.get('x-amz-credential') ?? '',
    });
  }
  const [, accessKeyId, date, region, service] = scope as unknown as [string, string, string, string, string];
  const account = credentials.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (!account) return refuse(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  if (!signatureMatches(signature, policySignature(account.secretAccessKey, date, region, service, encodedPolicy))) {
    return refuse(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      {
        AWSAccessKeyId: accessKeyId,
      },
    );
  }

  let policy: unknown;
  try {
    policy = JSON.parse(Buffer.from(encodedPolicy, 'base64').toString('utf8'));
  } catch {
    return policyInvalid('Invalid JSON.');
  }
  if (typeof policy !== 'object' || policy === null) return policyInvalid('Invalid JSON.');
  const { expiration, conditions } = policy as { expiration?: unknown; conditions?: unknown };
  if (typeof expiration !== 'string') return policyInvalid('Policy missing expiration.');
  const expiresAt = Date.parse(expiration);
  if (Number.isNaN(expiresAt)) return policyInvalid(`Invalid 'expiration' value: '${expiration}'`);
  if (!Array.isArray(conditions)) return policyInvalid('Policy missing conditions.');
  if (now.getTime() > expiresAt) return policyViolated('Policy expired.');

  const conditioned = new Set<string>();
  let sizeRange: SizeRange | undefined;
  for (const condition of conditions as unknown[]) {
    const checks = conditionChecks(condition);
    if (!checks) return policyInvalid(`Invalid Condition: ${JSON.stringify(condition)}`);
    for (const check of checks) {
      if (check.kind === 'size') {
        sizeRange = sizeRange ? { min: Math.max(sizeRange.min, check.min), max: Math.min(sizeRange.max, check.max) } : { min: check.min, max: check.max };
        continue;
      }
      conditioned.add(check.field);
      const value = check.field === 'bucket' ? form.bucket : form.fields.get(check.field);
      const holds = check.kind === 'eq' ? value === check.value : check.value === '' || (value !== undefined && value.startsWith(check.value));
      if (!holds) return policyViolated(`Policy Condition failed: ${formatCondition(check.kind, check.field, check.value)}`);
    }
  }
  const extra = [...form.fields.keys()].filter((name) => !UNCONDITIONED_FIELDS.has(name) && !name.startsWith('x-ignore-') && !conditioned.has(name));
  if (extra.length > 0) return policyViolated(`Extra input fields: ${extra.join(', ')}`);
  return { allowed: true, ...(sizeRange ? { sizeRange } : {}) };
}

/** EntityTooLarge / EntityTooSmall when the streamed file's size is outside the policy's range. */
export function sizeRefusal(bytes: number, range: SizeRange | undefined): S3Refusal | undefined {
  if (!range) return undefined;
  if (bytes > range.max) {
    return {
      status: 400,
      code: 'EntityTooLarge',
      message: 'Your proposed upload exceeds the maximum allowed size',
      details: { ProposedSize: bytes, MaxSizeAllowed: range.max },
    };
  }
  if (bytes < range.min) {
    return {
      status: 400,
      code: 'EntityTooSmall',
      message: 'Your proposed upload is smaller than the minimum allowed size',
      details: { ProposedSize: bytes, MinSizeAllowed: range.min },
    };
  }
  return undefined;
}

type ConditionCheck = { kind: 'eq' | 'starts-with'; field: string; value: string } | { kind: 'size'; min: number; max: number };

/** A policy condition in either of its forms: `{ "key": "v" }` or `["eq" | "starts-with", "$key", "v"]`, or the size range. */
function conditionChecks(condition: unknown): ConditionCheck[] | undefined {
  if (Array.isArray(condition)) {
    const [operator, subject, value] = condition as unknown[];
    if (condition.length !== 3 || typeof operator !== 'string') return undefined;
    if (operator.toLowerCase() === 'content-length-range') {
      const min = Number(subject);
      const max = Number(value);
      return Number.isSafeInteger(min) && Number.isSafeInteger(max) && min >= 0 && min <= max ? [{ kind: 'size', min, max }] : undefined;
    }
    const kind = operator.toLowerCase();
    if ((kind !== 'eq' && kind !== 'starts-with') || typeof subject !== 'string' || !subject.startsWith('$') || typeof value !== 'string') return undefined;
    return [{ kind, field: subject.slice(1).toLowerCase(), value }];
  }
  if (typeof condition !== 'object' || condition === null) return undefined;
  const entries = Object.entries(condition as Record<string, unknown>);
  if (entries.length === 0 || entries.some(([, value]) => typeof value !== 'string')) return undefined;
  return entries.map(([field, value]) => ({ kind: 'eq', field: field.toLowerCase(), value: value as string }));
}

/** S3 names the failed condition in its array form: `["eq", "$key", "..."]`. */
const formatCondition = (kind: string, field: string, value: string) => `[${[kind, `$${field}`, value].map((part) => JSON.stringify(part)).join(', ')}]`;

/** SigV4 for POST: the string to sign is the base64 policy itself, signed with the scope's derived key. */
function policySignature(secretAccessKey: string, date: string, region: string, service: string, encodedPolicy: string): string {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return createHmac('sha256', signingKey).update(encodedPolicy, 'utf8').digest('hex');
}

function signatureMatches(provided: string, expected: string): boolean {
  const a = Buffer.from(provided.toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
