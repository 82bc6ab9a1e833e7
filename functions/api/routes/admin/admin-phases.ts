import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { recordAudit } from '#shared/audit/audit-log.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { requirePhase } from '#shared/challenge/challenge.ts';
import { setPhaseSwitch } from '#shared/submissions/phase-control.ts';
import { publicationPreview, publishPhase, unpublishPhase } from '#shared/submissions/publication.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter } from '../../router.ts';
import { bearer, commonErrors, json, PhaseParams } from '../../schemas.ts';

const PhaseControl = z
  .object({ paused: z.boolean(), pausedAt: z.string().optional(), published: z.boolean(), publishedAt: z.string().optional() })
  .meta({ id: 'PhaseControl' });
const PublicationPreview = z
  .object({
    challengeId: z.string(),
    phaseId: z.string(),
    published: z.boolean(),
    closes: z.string(),
    open: z.boolean(),
    board: z.enum(['private', 'overall']),
    boardTeams: z.number(),
    scoredSubmissions: z.number(),
  })
  .meta({ id: 'PublicationPreview', description: 'What publishing the phase makes visible' });
const PublishBody = z
  .object({
    force: z.boolean().default(false),
    reason: z.string().trim().min(3).max(500).optional(),
  })
  .strict()
  .meta({ id: 'Publish' });
const UnpublishBody = z
  .object({ reason: z.string().trim().min(3).max(500) })
  .strict()
  .meta({ id: 'Unpublish' });

const SWITCHES = {
  pause: { change: { paused: true }, summary: 'Pause submissions to the phase (runs already accepted continue)' },
  resume: { change: { paused: false }, summary: 'Resume submissions to the phase' },
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
        requirePhase(challenge, phaseId);
        const control = await setPhaseSwitch(ctx, challenge.id, phaseId, change, organiser.userId);
        await recordAudit(ctx, challenge.id, { actor: organiser.userId, action: `phase.${action}`, target: phaseId });
        return c.json(control, 200);
      },
    );
  }
  return router
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/phases/{phaseId}/publication',
        tags: ['organisers'],
        summary: 'What publishing the phase would make visible (board size, scored submissions, whether the phase is open)',
        security: bearer,
        request: { params: PhaseParams },
        responses: { 200: json(PublicationPreview), ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        const { challengeId, phaseId } = c.req.valid('param');
        return c.json(await publicationPreview(ctx, await getChallenge(ctx, challengeId), phaseId), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/phases/{phaseId}/publish',
        tags: ['organisers'],
        summary: 'Publish the final (private) leaderboard and scores; refused while the phase is open unless forced with a reason (audited)',
        security: bearer,
        request: { params: PhaseParams, body: { required: false, content: { 'application/json': { schema: PublishBody } } } },
        responses: { 200: json(PhaseControl), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, phaseId } = c.req.valid('param');
        const body = c.req.valid('json') as z.infer<typeof PublishBody> | undefined;
        const challenge = await getChallenge(ctx, challengeId);
        return c.json(
          await publishPhase(ctx, challenge, phaseId, { by: organiser.userId, force: body?.force ?? false, ...(body?.reason ? { reason: body.reason } : {}) }),
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/phases/{phaseId}/unpublish',
        tags: ['organisers'],
        summary: 'Hide the final leaderboard and private scores again (audited, with a reason)',
        security: bearer,
        request: { params: PhaseParams, body: { required: true, content: { 'application/json': { schema: UnpublishBody } } } },
        responses: { 200: json(PhaseControl), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, phaseId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        return c.json(await unpublishPhase(ctx, challenge, phaseId, { by: organiser.userId, reason: c.req.valid('json').reason }), 200);
      },
    );
}
