import { createRoute } from '../../openapi/route-definition.ts';
import { recordAudit } from '#shared/audit/audit-log.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { findPhase } from '#shared/challenge/challenge.ts';
import { notFound } from '#shared/errors.ts';
import { rescorePhase, rescoreSubmission } from '#shared/leaderboard/rescore.ts';
import { getSubmission } from '#shared/submissions/submission-record.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter } from '../../router.ts';
import { AnyObject, bearer, commonErrors, json, PhaseParams, SubmissionParams } from '../../schemas.ts';

/** Rescoring re-reads stored predictions with the current scorer: no new submission, quotas untouched. */
export function adminRescoreRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({ method: 'post', path: '/admin/submissions/{submissionId}/rescore', tags: ['organisers'], summary: 'Rescore one submission with the current scorer', security: bearer, request: { params: SubmissionParams }, responses: { 200: json(AnyObject.meta({ id: 'RescoreResult' })), ...commonErrors } }),
      async (c) => {
        const organiser = organiserOf(c);
        const { submissionId } = c.req.valid('param');
        const submission = await getSubmission(ctx, submissionId);
        const result = await rescoreSubmission(ctx, submissionId);
        await recordAudit(ctx, submission.challengeId, { actor: organiser.userId, action: 'submission.rescore', target: submissionId });
        return c.json(JSON.parse(JSON.stringify(result)) as Record<string, unknown>, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/admin/challenges/{challengeId}/phases/{phaseId}/rescore', tags: ['organisers'], summary: 'Rescore every scored submission of a phase and rebuild its leaderboard', security: bearer, request: { params: PhaseParams }, responses: { 200: json(AnyObject.meta({ id: 'PhaseRescoreResult' })), ...commonErrors } }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, phaseId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        if (!findPhase(challenge, phaseId)) throw notFound(`phase "${phaseId}" of ${challengeId}`);
        const result = await rescorePhase(ctx, challenge.id, phaseId);
        await recordAudit(ctx, challenge.id, { actor: organiser.userId, action: 'phase.rescore', target: phaseId, details: { rescored: result.results.length } });
        return c.json(JSON.parse(JSON.stringify(result)) as Record<string, unknown>, 200);
      },
    );
}
