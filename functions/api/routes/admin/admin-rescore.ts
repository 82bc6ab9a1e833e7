import * as z from 'zod';
import { recordAudit } from '#shared/audit/audit-log.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { getRescore, MAX_RECORDED_FAILURES, requestRescore, RESCORE_STATUSES, type RescoreRequestRecord } from '#shared/leaderboard/rescore-request.ts';
import { getSubmission } from '#shared/submissions/submission-record.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { createRoute } from '../../openapi/route-definition.ts';
import { newRouter } from '../../router.ts';
import { bearer, commonErrors, json, PhaseParams, resourceId, SubmissionParams } from '../../schemas.ts';

const Scores = z
  .object({ overall: z.number(), public: z.number().optional(), private: z.number().optional(), scorerVersion: z.string(), scoredAt: z.string() })
  .meta({ id: 'RescoreScores' });

const RescoreRequest = z
  .object({
    rescoreId: z.string(),
    challengeId: z.string(),
    phaseId: z.string(),
    submissionId: z.string().optional().meta({ description: 'set for a one-submission rescore' }),
    requestedBy: z.string(),
    requestedAt: z.string(),
    status: z.enum(RESCORE_STATUSES),
    jobId: z.string().optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    scorerVersion: z.string().optional(),
    counts: z.object({ rescored: z.number().int(), notRescored: z.number().int() }).optional(),
    failures: z
      .array(z.object({ submissionId: z.string(), message: z.string() }))
      .optional()
      .meta({ description: `the first ${MAX_RECORDED_FAILURES} submissions not rescored, and why; counts.notRescored has the total` }),
    result: z
      .object({ submissionId: z.string(), rescored: z.boolean(), scores: Scores.optional(), previous: Scores.optional(), message: z.string().optional() })
      .optional()
      .meta({ description: "a one-submission rescore's outcome" }),
    leaderboard: z.object({ written: z.number().int(), removed: z.number().int(), unchanged: z.number().int() }).optional(),
    message: z.string().optional().meta({ description: 'why a FAILED request failed' }),
  })
  .meta({ id: 'RescoreRequest', description: 'QUEUED → RUNNING → SUCCEEDED | FAILED; poll GET /admin/rescores/{rescoreId}' });

const RescoreParams = z.object({ rescoreId: resourceId('rescore request id (r-…)') });

const view = ({ pk: _pk, sk: _sk, kind: _kind, ...request }: RescoreRequestRecord) => request;

/**
 * Rescoring re-reads stored predictions and the hidden labels with the current scorer, which only
 * the scoring job's role may read: the API records the request, submits a rescore job and answers
 * 202; the organiser polls the request. No new submission, quotas untouched.
 */
export function adminRescoreRoutes({ ctx, jobRunner }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/submissions/{submissionId}/rescore',
        tags: ['organisers'],
        summary: 'Rescore one scored submission with the current scorer (runs as a job)',
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 202: json(RescoreRequest, 'Accepted: the rescore job is submitted'), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { submissionId } = c.req.valid('param');
        const submission = await getSubmission(ctx, submissionId);
        const challenge = await getChallenge(ctx, submission.challengeId);
        const request = await requestRescore(ctx, jobRunner, { challenge, phaseId: submission.phaseId, submissionId, requestedBy: organiser.userId });
        await recordAudit(ctx, challenge.id, {
          actor: organiser.userId,
          action: 'submission.rescore',
          target: submissionId,
          details: { rescoreId: request.rescoreId },
        });
        return c.json(view(request), 202);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/phases/{phaseId}/rescore',
        tags: ['organisers'],
        summary: 'Rescore every scored submission of a phase and rebuild its leaderboard (runs as a job)',
        security: bearer,
        request: { params: PhaseParams },
        responses: { 202: json(RescoreRequest, 'Accepted: the rescore job is submitted'), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, phaseId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const request = await requestRescore(ctx, jobRunner, { challenge, phaseId, requestedBy: organiser.userId });
        await recordAudit(ctx, challenge.id, { actor: organiser.userId, action: 'phase.rescore', target: phaseId, details: { rescoreId: request.rescoreId } });
        return c.json(view(request), 202);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/rescores/{rescoreId}',
        tags: ['organisers'],
        summary: 'A rescore request: its state, counts, failures and (one submission) new scores',
        security: bearer,
        request: { params: RescoreParams },
        responses: { 200: json(RescoreRequest), ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        return c.json(view(await getRescore(ctx, c.req.valid('param').rescoreId)), 200);
      },
    );
}
