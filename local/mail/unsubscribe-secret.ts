import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The secret unsubscribe links are signed with: kept under the data folder (mode 0600), so links
 * in e-mails already sent keep working after a restart; a fresh one per run in memory (tests).
 * On AWS it comes from Secrets Manager (docs/DEPLOY.md).
 */
export async function localUnsubscribeSecret(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return randomBytes(32).toString('base64url');
  const file = join(dataDir, 'unsubscribe-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const secret = randomBytes(32).toString('base64url');
    await writeFile(file, secret, { mode: 0o600, flag: 'wx' }).catch(() => {});
    return (await readFile(file, 'utf8')).trim();
  }
}
