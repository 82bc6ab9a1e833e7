import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RUNTIME_IMAGE_ENV } from '#shared/receipts/issue-receipt.ts';
import { LOCAL_RECEIPT_KEY_FILE_ENV } from '#shared/receipts/receipt-signer.ts';
import type { StorageConfig } from '#shared/storage/storage-config.ts';
import { localReceiptKeyArn } from './parity/local-data-exports.ts';

/**
 * The local stand-in for the KMS receipt key: an ECDSA P-256 key pair under `<dataDir>/receipt-keys/`,
 * made once and kept across restarts (receipts issued earlier must still verify). The private key
 * file (0600) is named only to scoring jobs, which publish its public half as KMS's would be.
 */
export interface LocalReceiptKey {
  keyId: string;
  privateKeyFile: string;
  publicKeyFile: string;
}

export async function ensureLocalReceiptKey(dataDir: string, config: Pick<StorageConfig, 'region'>): Promise<LocalReceiptKey> {
  const folder = join(dataDir, 'receipt-keys');
  const key = { keyId: localReceiptKeyArn(config), privateKeyFile: join(folder, 'signing-key.pem'), publicKeyFile: join(folder, 'public-key.pem') };
  if (existsSync(key.privateKeyFile) && existsSync(key.publicKeyFile)) return key;
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // Public first: a crash in between leaves no private key without its public half.
  await writeFile(key.publicKeyFile, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(key.privateKeyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return key;
}

/**
 * What the local platform adds to a scoring job's declared environment, like the local endpoints:
 * the key file standing in for KMS and, when jobs run as host processes, `host` as the runtime
 * image (the definition names the image asset, which the process does not run in).
 */
export function localReceiptJobEnvironment(key: LocalReceiptKey, options: { hostProcesses: boolean }): Record<string, string> {
  return { [LOCAL_RECEIPT_KEY_FILE_ENV]: key.privateKeyFile, ...(options.hostProcesses ? { [RUNTIME_IMAGE_ENV]: 'host' } : {}) };
}
