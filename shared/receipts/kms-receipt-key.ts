import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { fileReceiptSigner, LOCAL_RECEIPT_KEY_FILE_ENV, RECEIPT_KEY_ENV, type ReceiptSigner } from './receipt-signer.ts';
import { publicKeyFingerprint, RECEIPT_ALGORITHM } from './score-receipt.ts';

// The receipt key on AWS: a KMS asymmetric key (ECC_NIST_P256). Its own module: only the scoring job
// imports the KMS client.

/**
 * KMS signs the message itself (MessageType RAW, up to 4096 bytes: a statement is far smaller) and
 * gives the public half to the same role (kms:GetPublicKey), so the job publishes what it signs with.
 */
export function kmsReceiptSigner(keyId: string, kms: KMSClient = new KMSClient({})): ReceiptSigner {
  return {
    keyId,
    async sign(message) {
      const { Signature } = await kms.send(new SignCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: RECEIPT_ALGORITHM }));
      if (!Signature) throw new Error(`KMS returned no signature for key ${keyId}`);
      return Signature;
    },
    async publicKey() {
      const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      if (!PublicKey) throw new Error(`KMS returned no public key for ${keyId}`);
      const publicKeyPem = createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      return { keyId, algorithm: RECEIPT_ALGORITHM, publicKeyPem, fingerprint: publicKeyFingerprint(publicKeyPem) };
    },
  };
}

/**
 * The scoring job's signer, from the variables its job definition declares: KMS by default, the
 * local key file when the local stack names one. A job whose definition declares no key cannot sign.
 */
export function receiptSignerFromEnv(env: NodeJS.ProcessEnv = process.env): ReceiptSigner {
  const keyId = env[RECEIPT_KEY_ENV];
  if (!keyId) throw new Error(`${RECEIPT_KEY_ENV} is not set: the scoring job definition must declare the receipt signing key`);
  const keyFile = env[LOCAL_RECEIPT_KEY_FILE_ENV];
  return keyFile ? fileReceiptSigner(keyId, keyFile) : kmsReceiptSigner(keyId);
}
