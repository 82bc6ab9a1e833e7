import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { challengeHealth } from '#shared/submissions/challenge-health.ts';
import { FAILURE_REASONS } from '#shared/submissions/submission-status.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter } from '../../router.ts';
import { bearer, ChallengeParams, commonErrors, json } from '../../schemas.ts';

const PhaseHealth = z
  .object({
    phaseId: z.string(),
    submissions: z.number().int(),
    queueDepth: z.number().int().describe('submissions waiting for a run: uploaded, validated or queued'),
    runsInFlight: z.number().int().describe('inference or scoring running now'),
    scored: z.number().int(),
    failed: z.number().int(),
    failureRate: z.number().nullable().describe('failed / (scored + failed); null before any run finished'),
    failuresByReason: z.partialRecord(z.enum(FAILURE_REASONS), z.number().int()),
    inferenceGpuHours: z.number(),
    trainingGpuHours: z.number(),
  })
  .meta({ id: 'PhaseHealth' });

const ChallengeHealth = z.object({ challengeId: z.string(), at: z.string(), phases: z.array(PhaseHealth) }).meta({ id: 'ChallengeHealth' });

export function adminHealthRoutes({ ctx }: ApiDependencies) {
  return newRouter().openapi(
    createRoute({
      method: 'get',
      path: '/admin/challenges/{challengeId}/health',
      tags: ['organisers'],
      summary: 'The pipeline at a glance, per phase: queue depth, runs in flight, failure rate by reason, GPU-hours used (inference and training)',
      security: bearer,
      request: { params: ChallengeParams },
      responses: { 200: json(ChallengeHealth), ...commonErrors },
    }),
    async (c) => {
      organiserOf(c);
      const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
      return c.json({ challengeId: challenge.id, at: ctx.now().toISOString(), phases: await challengeHealth(ctx, challenge) }, 200);
    },
  );
}
