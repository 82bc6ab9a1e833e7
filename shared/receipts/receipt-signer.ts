import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { publicKeyFingerprint, RECEIPT_ALGORITHM, type ReceiptPublicKey } from './score-receipt.ts';

/**
 * Signs receipt statements. Only the scoring side holds one: on AWS a KMS asymmetric key
 * (ECC_NIST_P256) whose kms:Sign only the scoring role has; on the local stack a key file under
 * `.data/` with the same algorithm, so receipts verify the same way.
 */
export interface ReceiptSigner {
  keyId: string;
  /** A DER-encoded ECDSA P-256 / SHA-256 signature of `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** The key's public half, published with the first receipt it signs (receipt-keys.ts). */
  publicKey(): Promise<ReceiptPublicKey>;
}

/** The job definition's variable naming the signing key (a KMS key ARN; the stand-in ARN locally). */
export const RECEIPT_KEY_ENV = 'PODIUM_RECEIPT_KEY_ID';
/** Local stack only: the PEM file that stands in for the KMS key, passed like the local endpoints. */
export const LOCAL_RECEIPT_KEY_FILE_ENV = 'PODIUM_LOCAL_RECEIPT_KEY_FILE';

/** The local stand-in: a PKCS#8 P-256 key in a file only the local stack's scoring jobs are told about. */
export function fileReceiptSigner(keyId: string, keyFile: string): ReceiptSigner {
  let key: ReturnType<typeof createPrivateKey> | undefined;
  const privateKey = async () => (key ??= createPrivateKey(await readFile(keyFile)));
  return {
    keyId,
    async sign(message) {
      return sign('sha256', message, { key: await privateKey(), dsaEncoding: 'der' });
    },
    async publicKey() {
      const publicKeyPem = createPublicKey(await privateKey())
        .export({ type: 'spki', format: 'pem' })
        .toString();
      return { keyId, algorithm: RECEIPT_ALGORITHM, publicKeyPem, fingerprint: publicKeyFingerprint(publicKeyPem) };
    },
  };
}
