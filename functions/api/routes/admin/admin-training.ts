import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { requirePhase } from '#shared/challenge/challenge.ts';
import { viewTrainingBudget } from '#shared/training/budget-view.ts';
import { grantTrainingBudget, MAX_GRANT_GPU_HOURS } from '#shared/training/grant-budget.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter } from '../../router.ts';
import { TrainingBudget } from '../training.ts';
import { bearer, challengeIdParam, commonErrors, json, phaseIdParam, resourceId } from '../../schemas.ts';

const TeamPhaseParams = z.object({ challengeId: challengeIdParam, phaseId: phaseIdParam, teamId: resourceId('team id') });
const GrantBody = z
  .object({
    gpuHours: z.number().positive().max(MAX_GRANT_GPU_HOURS),
    reason: z.string().trim().min(3).max(500),
    grantId: resourceId('makes a retried grant a no-op').optional(),
  })
  .strict()
  .meta({ id: 'BudgetGrant' });

export function adminTrainingRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/phases/{phaseId}/teams/{teamId}/budget',
        tags: ['organisers'],
        summary: "A team's training budget on the phase",
        security: bearer,
        request: { params: TeamPhaseParams },
        responses: { 200: json(TrainingBudget), ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        const { challengeId, phaseId, teamId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        return c.json(await viewTrainingBudget(ctx, challenge.id, requirePhase(challenge, phaseId), teamId), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/phases/{phaseId}/teams/{teamId}/budget-grants',
        tags: ['organisers'],
        summary: 'Grant a team more GPU-hours on the phase (audited; a retried grantId adds nothing)',
        security: bearer,
        request: { params: TeamPhaseParams, body: { required: true, content: { 'application/json': { schema: GrantBody } } } },
        responses: {
          201: json(
            z
              .object({ grantId: z.string(), applied: z.boolean().meta({ description: 'false: this grantId was applied before' }), budget: TrainingBudget })
              .meta({ id: 'BudgetGrantResult' }),
          ),
          ...commonErrors,
        },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, phaseId, teamId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const phase = requirePhase(challenge, phaseId);
        const body = c.req.valid('json');
        const { grantId, applied } = await grantTrainingBudget(ctx, challenge.id, phase, {
          teamId,
          gpuHours: body.gpuHours,
          by: organiser.userId,
          reason: body.reason,
          ...(body.grantId ? { grantId: body.grantId } : {}),
        });
        return c.json({ grantId, applied, budget: await viewTrainingBudget(ctx, challenge.id, phase, teamId) }, 201);
      },
    );
}
