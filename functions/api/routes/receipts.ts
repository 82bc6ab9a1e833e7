import { PodiumError } from '#shared/errors.ts';
import { readableReceipt } from '#shared/receipts/receipt-access.ts';
import { listReceiptKeys } from '#shared/receipts/receipt-keys.ts';
import type { ApiDependencies } from '../api-env.ts';
import { createRoute } from '../openapi/route-definition.ts';
import { newRouter } from '../router.ts';
import * as z from 'zod';
import { RECEIPT_ALGORITHM, signedReceiptSchema } from '#shared/receipts/score-receipt.ts';
import { commonErrors, json, SubmissionParams } from '../schemas.ts';

const ReceiptKeys = z
  .object({
    keys: z.array(
      z.object({
        keyId: z.string(),
        algorithm: z.literal(RECEIPT_ALGORITHM),
        publicKeyPem: z.string(),
        fingerprint: z.string().meta({ description: 'SHA-256 of the SubjectPublicKeyInfo DER, hex: compare it out of band' }),
      }),
    ),
  })
  .meta({ id: 'ReceiptKeys', description: 'The public keys that verify score receipts (docs/API.md)' });
const Receipt = signedReceiptSchema.meta({ id: 'ScoreReceipt', description: 'A signed score receipt: its statement and signature (docs/API.md)' });

/** Score receipts: the published verification keys, and each scored submission's signed receipt. */
export function receiptRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/.well-known/podium-receipt-keys',
        tags: ['receipts'],
        summary: 'The public keys that verify score receipts',
        responses: { 200: json(ReceiptKeys), 404: commonErrors[404] },
      }),
      async (c) => {
        const keys = await listReceiptKeys(ctx);
        if (keys.length === 0) throw new PodiumError('NOT_FOUND', 'no receipt has been signed here yet, so no key is published');
        c.header('Cache-Control', 'public, max-age=300');
        return c.json({ keys }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/submissions/{submissionId}/receipt',
        tags: ['receipts'],
        summary: "A scored submission's signed receipt: its team's once it may see every score stated, anyone's once the phase is published",
        request: { params: SubmissionParams },
        responses: { 200: json(Receipt), ...commonErrors },
      }),
      async (c) => {
        const receipt = await readableReceipt(ctx, c.req.valid('param').submissionId, c.get('principal'));
        c.header('Cache-Control', 'private, no-store');
        return c.json(receipt, 200);
      },
    );
}
