import { createHash, createPublicKey, verify } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson } from './canonical-json.ts';

/** The one signature algorithm: ECDSA over P-256 with SHA-256, what KMS calls ECC_NIST_P256 / ECDSA_SHA_256. */
export const RECEIPT_ALGORITHM = 'ECDSA_SHA_256' as const;
export const RECEIPT_FORMAT = 'podium-score-receipt/1' as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lowercase hex');
const splitScores = z.object({ overall: z.number(), public: z.number().optional(), private: z.number().optional() }).strict();

/**
 * What a receipt states, signed as canonical JSON (`canonicalJson`). Every field a competitor or
 * an organiser would need to re-check a result: the exact archive, where it ran, on which data,
 * by which scorer, with which scores, when.
 */
export const receiptStatementSchema = z
  .object({
    format: z.literal(RECEIPT_FORMAT),
    challengeId: z.string(),
    phaseId: z.string(),
    submissionId: z.string(),
    teamId: z.string(),
    attempt: z.number().int(),
    /** SHA-256 of the archive exactly as the inference job fetched and ran it. */
    archive: z.object({ sha256: sha256Hex, bytes: z.number().int().nonnegative().optional() }).strict(),
    /**
     * The image the code ran in: on AWS the inference image's CDK asset (`cdk-asset:<hash>`, a hash
     * of its build context, also its ECR tag); `host` when the local runner ran it as a process.
     */
    runtimeImage: z.string(),
    /** SHA-256 of the hidden dataset's manifest (every input file's and the labels' SHA-256, as uploaded). */
    hiddenData: z.object({ datasetId: z.string(), manifestSha256: sha256Hex }).strict(),
    scorer: z.object({ version: z.string() }).strict(),
    scores: splitScores.extend({ secondary: z.record(z.string(), splitScores).optional() }).strict(),
    scoredAt: z.string(),
    signedAt: z.string(),
  })
  // Strict: a field added after signing is refused rather than silently left unchecked.
  .strict();
export type ReceiptStatement = z.infer<typeof receiptStatementSchema>;

/** A statement with its signature: what `GET /submissions/{id}/receipt` returns and `podium verify` checks. */
export const signedReceiptSchema = z
  .object({
    statement: receiptStatementSchema,
    signature: z
      .object({
        algorithm: z.literal(RECEIPT_ALGORITHM),
        /** The key that signed: a KMS key ARN on AWS, the local stack's stand-in ARN locally. */
        keyId: z.string(),
        /** DER-encoded ECDSA signature of the canonical statement, base64. */
        value: z.string(),
      })
      .strict(),
  })
  .strict();
export type SignedReceipt = z.infer<typeof signedReceiptSchema>;

/** A published verification key (`GET /.well-known/podium-receipt-keys`). */
export interface ReceiptPublicKey {
  keyId: string;
  algorithm: typeof RECEIPT_ALGORITHM;
  /** SubjectPublicKeyInfo, PEM. */
  publicKeyPem: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, hex: what to compare out of band. */
  fingerprint: string;
}

/** The bytes a signature covers. */
export const statementBytes = (statement: ReceiptStatement): Buffer => Buffer.from(canonicalJson(statement), 'utf8');

export function publicKeyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

export type ReceiptCheck = { ok: true } | { ok: false; problem: string };

/**
 * Checks a receipt's signature against the published keys and, when given, the archive's SHA-256
 * (hex, of the file as submitted) against the one it states. Any change to the statement (one score digit, one byte of the archive)
 * fails, naming what did not match.
 */
export function verifyReceipt(receipt: unknown, keys: readonly ReceiptPublicKey[], archive?: { sha256: string }): ReceiptCheck {
  const parsed = signedReceiptSchema.safeParse(receipt);
  if (!parsed.success) {
    return {
      ok: false,
      problem: `not a Podium score receipt: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    };
  }
  const { statement, signature } = parsed.data;
  const key = keys.find((candidate) => candidate.keyId === signature.keyId);
  if (!key)
    return { ok: false, problem: `signed by key ${signature.keyId}, which is not among the published keys (${keys.map((k) => k.keyId).join(', ') || 'none'})` };
  const valid = verify(
    'sha256',
    statementBytes(statement),
    { key: createPublicKey(key.publicKeyPem), dsaEncoding: 'der' },
    Buffer.from(signature.value, 'base64'),
  );
  if (!valid)
    return { ok: false, problem: 'the signature does not match the statement: the receipt was changed after it was signed, or signed by another key' };
  if (archive && archive.sha256 !== statement.archive.sha256) {
    return { ok: false, problem: `the archive's SHA-256 is ${archive.sha256}, but the receipt was issued for ${statement.archive.sha256}` };
  }
  return { ok: true };
}
