import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { requirePhase } from '#shared/challenge/challenge.ts';
import { recordAudit } from '#shared/audit/audit-log.ts';
import { cancelSubmission } from '#shared/pipeline/cancel-submission.ts';
import { listSubmissionsPage } from '#shared/submissions/list-submissions.ts';
import { markBaseline } from '#shared/submissions/mark-baseline.ts';
import { getPhaseControl } from '#shared/submissions/phase-control.ts';
import { readOrganiserLog } from '#shared/submissions/submission-logs.ts';
import { getSubmission } from '#shared/submissions/submission-record.ts';
import { SUBMISSION_STATUSES } from '#shared/submissions/submission-status.ts';
import { submissionView } from '#shared/submissions/submission-view.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter } from '../../router.ts';
import { bearer, ChallengeParams, commonErrors, json, SubmissionLog, SubmissionParams } from '../../schemas.ts';
import { Submission } from '../submissions.ts';

export function adminSubmissionRoutes({ ctx, jobRunner }: ApiDependencies) {
  const organiserView = async (submissionId: string) => {
    const submission = await getSubmission(ctx, submissionId);
    const challenge = await getChallenge(ctx, submission.challengeId);
    return submissionView(challenge, submission, await getPhaseControl(ctx, challenge.id, submission.phaseId), true);
  };
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/submissions',
        tags: ['organisers'],
        summary: 'The submissions, filtered by phase, status and team, a page at a time (each phase oldest first, or newest first)',
        security: bearer,
        request: {
          params: ChallengeParams,
          query: z.object({
            phase: z.string().optional(),
            status: z.enum(SUBMISSION_STATUSES).optional(),
            team: z.string().optional(),
            order: z.enum(['oldest', 'newest']).default('oldest').meta({ description: 'newest: the last phase first, each phase newest first' }),
            limit: z.coerce.number().int().min(1).max(500).default(500),
            cursor: z.string().max(4096).optional().describe('`nextCursor` of the previous page'),
          }),
        },
        responses: {
          200: json(
            z
              .object({ submissions: z.array(Submission), nextCursor: z.string().optional().describe('absent on the last page') })
              .meta({ id: 'SubmissionsPage' }),
          ),
          ...commonErrors,
        },
      }),
      async (c) => {
        organiserOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const { phase, status, team, order, limit, cursor } = c.req.valid('query');
        if (phase) requirePhase(challenge, phase);
        const phaseIds = phase ? [phase] : challenge.phases.map((each) => each.id);
        if (order === 'newest') phaseIds.reverse();
        const page = await listSubmissionsPage(
          ctx,
          challenge.id,
          phaseIds,
          { ...(status ? { status } : {}), ...(team ? { teamId: team } : {}) },
          { limit, newestFirst: order === 'newest', ...(cursor ? { cursor } : {}) },
        );
        const controls = new Map(await Promise.all(phaseIds.map(async (id) => [id, await getPhaseControl(ctx, challenge.id, id)] as const)));
        const submissions = page.submissions.map((submission) => submissionView(challenge, submission, controls.get(submission.phaseId)!, true));
        return c.json({ submissions, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/submissions/{submissionId}',
        tags: ['organisers'],
        summary: 'Any submission, with every score',
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 200: json(Submission), ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        return c.json(await organiserView(c.req.valid('param').submissionId), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/submissions/{submissionId}/logs',
        tags: ['organisers'],
        summary: "A run's full log, hidden-data runs included; every read is audit-logged",
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 200: json(SubmissionLog), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const submission = await getSubmission(ctx, c.req.valid('param').submissionId);
        return c.json(await readOrganiserLog(ctx, submission, organiser.userId), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/submissions/{submissionId}/cancel',
        tags: ['organisers'],
        summary: 'Cancel any submission',
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 200: json(Submission), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { submissionId } = c.req.valid('param');
        const cancelled = await cancelSubmission(ctx, jobRunner, submissionId, organiser.userId);
        await recordAudit(ctx, cancelled.challengeId, { actor: organiser.userId, action: 'submission.cancel', target: submissionId });
        return c.json(await organiserView(submissionId), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/submissions/{submissionId}/baseline',
        tags: ['organisers'],
        summary: 'Mark (or with { baseline: false } unmark) a baseline submission',
        security: bearer,
        request: {
          params: SubmissionParams,
          body: { required: false, content: { 'application/json': { schema: z.object({ baseline: z.boolean().default(true) }) } } },
        },
        responses: { 200: json(Submission), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { submissionId } = c.req.valid('param');
        const body = (c.req.valid('json') as { baseline?: boolean } | undefined) ?? {};
        await markBaseline(ctx, submissionId, body.baseline ?? true, organiser);
        return c.json(await organiserView(submissionId), 200);
      },
    );
}
