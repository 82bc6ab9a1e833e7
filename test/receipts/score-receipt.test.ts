import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '#shared/receipts/canonical-json.ts';
import { fileReceiptSigner } from '#shared/receipts/receipt-signer.ts';
import {
  RECEIPT_ALGORITHM,
  RECEIPT_FORMAT,
  statementBytes,
  verifyReceipt,
  type ReceiptPublicKey,
  type ReceiptStatement,
  type SignedReceipt,
} from '#shared/receipts/score-receipt.ts';
import { ensureLocalReceiptKey } from '../../local/receipt-key.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('score receipts', () => {
  let dir: string;
  let keys: ReceiptPublicKey[];
  let receipt: SignedReceipt;
  const archive = Buffer.from('PK\u0003\u0004 a tiny stand-in for submission.zip, byte for byte');

  beforeAll(async () => {
    // Prepare: the local stand-in key, and a receipt signed with it as the scoring job signs one.
    dir = await mkdtemp(join(tmpdir(), 'podium-receipt-test-'));
    const key = await ensureLocalReceiptKey(dir, { region: 'eu-west-3' });
    const signer = fileReceiptSigner(key.keyId, key.privateKeyFile);
    keys = [await signer.publicKey()];
    // The published half is the one written beside the private key.
    expect(keys[0]!.publicKeyPem).toBe(await readFile(key.publicKeyFile, 'utf8'));
    const statement: ReceiptStatement = {
      format: RECEIPT_FORMAT,
      challengeId: 'tissuenet',
      phaseId: 'learning',
      submissionId: 's-1',
      teamId: 't-1',
      attempt: 1,
      archive: { sha256: sha256(archive), bytes: archive.length },
      runtimeImage: 'host',
      hiddenData: { datasetId: 'test', manifestSha256: sha256(Buffer.from('manifest')) },
      scorer: { version: '1.1.0' },
      scores: { overall: 0.8125, public: 0.75, private: 0.875, secondary: { accuracy: { overall: 0.5 } } },
      scoredAt: '2026-12-02T10:00:00.000Z',
      signedAt: '2026-12-02T10:00:01.000Z',
    };
    const signature = await signer.sign(statementBytes(statement));
    receipt = { statement, signature: { algorithm: RECEIPT_ALGORITHM, keyId: key.keyId, value: Buffer.from(signature).toString('base64') } };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts the receipt as signed, with its archive, and after any re-serialisation of the JSON', () => {
    expect(verifyReceipt(receipt, keys, { sha256: sha256(archive) })).toEqual({ ok: true });
    const reordered = JSON.parse(JSON.stringify({ signature: receipt.signature, statement: Object.fromEntries(Object.entries(receipt.statement).reverse()) }));
    expect(verifyReceipt(reordered, keys)).toEqual({ ok: true });
  });

  it('rejects an archive changed by one byte', () => {
    const changed = Buffer.from(archive);
    changed[changed.length - 1] = changed.at(-1)! ^ 0x01;
    const check = verifyReceipt(receipt, keys, { sha256: sha256(changed) });
    expect(check).toEqual({ ok: false, problem: expect.stringMatching(/^the archive's SHA-256 is [0-9a-f]{64}, but the receipt was issued for/) });
  });

  it('rejects a score changed by one digit, a changed hidden-data digest, and an added field', () => {
    const tampered = (edit: (statement: Record<string, unknown>) => void) => {
      const copy = structuredClone(receipt) as unknown as { statement: Record<string, unknown> };
      edit(copy.statement);
      return verifyReceipt(copy, keys);
    };
    const invalidSignature = { ok: false, problem: expect.stringContaining('the signature does not match the statement') };
    expect(tampered((s) => ((s.scores as { private: number }).private = 0.876))).toEqual(invalidSignature);
    expect(tampered((s) => ((s.hiddenData as { manifestSha256: string }).manifestSha256 = sha256(Buffer.from('other data'))))).toEqual(invalidSignature);
    expect(tampered((s) => (s.note = 'added after signing'))).toEqual({ ok: false, problem: expect.stringContaining('not a Podium score receipt') });
  });

  it('rejects a receipt whose key is not published', async () => {
    const other = await ensureLocalReceiptKey(join(dir, 'other'), { region: 'eu-west-3' });
    const otherKeys = [await fileReceiptSigner(other.keyId, other.privateKeyFile).publicKey()];
    // Same key id, another key: the signature cannot match.
    expect(verifyReceipt(receipt, otherKeys)).toEqual({ ok: false, problem: expect.stringContaining('the signature does not match') });
    expect(verifyReceipt(receipt, [])).toEqual({ ok: false, problem: expect.stringContaining('not among the published keys') });
  });

  it('is a standard ECDSA P-256 / SHA-256 signature over the canonical statement: OpenSSL verifies it as it would a KMS signature', async () => {
    const message = join(dir, 'statement.json');
    const signature = join(dir, 'signature.der');
    const publicKey = join(dir, 'public.pem');
    await writeFile(message, canonicalJson(receipt.statement));
    await writeFile(signature, Buffer.from(receipt.signature.value, 'base64'));
    await writeFile(publicKey, keys[0]!.publicKeyPem);
    const verified = execFileSync('openssl', ['dgst', '-sha256', '-verify', publicKey, '-signature', signature, message], { encoding: 'utf8' });
    expect(verified.trim()).toBe('Verified OK');
    expect(canonicalJson(receipt.statement)).toBe(await readFile(message, 'utf8'));
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: 0.1 })).toBe('{"a":0.1,"b":[1,{"c":"x","d":null}]}');
  });
});
