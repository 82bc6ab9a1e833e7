import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { recordAudit } from '#shared/audit/audit-log.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { findPhase } from '#shared/challenge/challenge.ts';
import { notFound } from '#shared/errors.ts';
import { setPhaseSwitch } from '#shared/submissions/phase-control.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter } from '../../router.ts';
import { bearer, commonErrors, json, PhaseParams } from '../../schemas.ts';

const PhaseControl = z.object({ paused: z.boolean(), pausedAt: z.string().optional(), published: z.boolean(), publishedAt: z.string().optional() }).meta({ id: 'PhaseControl' });

const SWITCHES = {
  pause: { change: { paused: true }, summary: 'Pause submissions to the phase (runs already accepted continue)' },
  resume: { change: { paused: false }, summary: 'Resume submissions to the phase' },
  publish: { change: { published: true }, summary: 'Publish the final (private) leaderboard and scores' },
} as const;

export function adminPhaseRoutes({ ctx }: ApiDependencies) {
  const router = newRouter();
  for (const [action, { change, summary }] of Object.entries(SWITCHES)) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/admin/challenges/{challengeId}/phases/{phaseId}/${action}`,
        tags: ['organisers'],
        summary,
        security: bearer,
        request: { params: PhaseParams },
        responses: { 200: json(PhaseControl), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, phaseId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        if (!findPhase(challenge, phaseId)) throw notFound(`phase "${phaseId}" of ${challengeId}`);
        const control = await setPhaseSwitch(ctx, challenge.id, phaseId, change, organiser.userId);
        await recordAudit(ctx, challenge.id, { actor: organiser.userId, action: `phase.${action}`, target: phaseId });
        return c.json(control, 200);
      },
    );
  }
  return router;
}
