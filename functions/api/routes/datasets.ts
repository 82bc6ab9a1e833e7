import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { issueDatasetDownloads } from '#shared/data-access/dataset-downloads.ts';
import { requireActiveParticipant } from '#shared/participants/registration.ts';
import type { ApiDependencies } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { newRouter } from '../router.ts';
import { bearer, challengeIdParam, commonErrors, json } from '../schemas.ts';

const DatasetFiles = z
  .object({ files: z.array(z.object({ path: z.string(), bytes: z.number(), sha256: z.string(), url: z.string(), expiresAt: z.string() })) })
  .meta({ id: 'DatasetFiles' });

export function datasetRoutes({ ctx }: ApiDependencies) {
  return newRouter().openapi(
    createRoute({
      method: 'get',
      path: '/challenges/{challengeId}/datasets/{datasetId}',
      tags: ['data'],
      summary: 'Short-lived download URLs for a training or smoke dataset (each issuance is logged)',
      security: bearer,
      request: { params: z.object({ challengeId: challengeIdParam, datasetId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/) }) },
      responses: { 200: json(DatasetFiles), ...commonErrors },
    }),
    async (c) => {
      const principal = userOf(c);
      const { challengeId, datasetId } = c.req.valid('param');
      const challenge = await getChallenge(ctx, challengeId);
      await requireActiveParticipant(ctx, challenge, principal);
      const files = await issueDatasetDownloads(ctx, challenge, principal, datasetId);
      c.header('Cache-Control', 'no-store');
      return c.json({ files }, 200);
    },
  );
}
