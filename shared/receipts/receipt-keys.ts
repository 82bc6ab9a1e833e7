import type { PodiumContext } from '../context.ts';
import { createIfAbsent } from '../storage/conditional-writes.ts';
import { queryAll } from '../storage/query-all.ts';
import { keys } from '../storage/table-design.ts';
import type { ReceiptPublicKey } from './score-receipt.ts';

interface ReceiptKeyItem extends ReceiptPublicKey {
  pk: string;
  sk: string;
  kind: 'receipt-key';
  publishedAt: string;
}

/**
 * Records the public half of a signing key, once (the first write wins), before any receipt it
 * signs is stored: the API publishes these without any right on the key itself, and a verifier
 * compares the fingerprint with the key's own (docs/DEPLOY.md).
 */
export async function publishReceiptKey(ctx: PodiumContext, key: ReceiptPublicKey): Promise<void> {
  const item: ReceiptKeyItem = { ...keys.receiptKey(key.keyId), kind: 'receipt-key', ...key, publishedAt: ctx.now().toISOString() };
  await createIfAbsent(ctx.db, ctx.config.tableName, item);
}

/** Every key that has signed a receipt here (`GET /.well-known/podium-receipt-keys`). */
export async function listReceiptKeys(ctx: PodiumContext): Promise<ReceiptPublicKey[]> {
  const items = await queryAll<ReceiptKeyItem>(ctx.db, {
    TableName: ctx.config.tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.receiptKey('').pk },
  });
  return items.map(({ keyId, algorithm, publicKeyPem, fingerprint }) => ({ keyId, algorithm, publicKeyPem, fingerprint }));
}
