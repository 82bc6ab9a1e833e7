import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { getRerun, MAX_RERUN_TEAMS, requestRerun, RERUN_STATUSES, type RerunRequestRecord } from '#shared/reruns/rerun-request.ts';
import { applyRerun } from '#shared/reruns/apply-rerun.ts';
import { rerunReportCsv } from '#shared/reruns/rerun-report.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { createRoute } from '../../openapi/route-definition.ts';
import { newRouter } from '../../router.ts';
import { bearer, commonErrors, json, PhaseParams, resourceId } from '../../schemas.ts';

const SplitScores = z.object({ overall: z.number(), public: z.number().optional(), private: z.number().optional() });
const Agreement = z.enum(['identical', 'within-tolerance', 'different']);
const RerunRequest = z
  .object({
    rerunId: z.string(),
    challengeId: z.string(),
    phaseId: z.string(),
    split: z.enum(['overall', 'private']).meta({ description: 'the board the teams were ranked on and whose score is compared' }),
    top: z.number(),
    tolerance: z.number(),
    requestedBy: z.string(),
    requestedAt: z.string(),
    status: z.enum(RERUN_STATUSES),
    teams: z.array(
      z.object({
        rank: z.number(),
        teamId: z.string(),
        teamName: z.string().optional(),
        submissionId: z.string(),
        attempt: z.number(),
        scores: SplitScores.extend({ secondary: z.record(z.string(), SplitScores).optional(), scorerVersion: z.string(), scoredAt: z.string() }),
        jobId: z.string().optional(),
      }),
    ),
    compareJobId: z.string().optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    results: z
      .array(
        z.object({
          rank: z.number(),
          teamId: z.string(),
          teamName: z.string().optional(),
          submissionId: z.string(),
          verdict: Agreement,
          predictions: z.object({
            agreement: Agreement,
            differingRows: z.number().optional(),
            rows: z.number().optional(),
            maxAbsDifference: z.number().optional(),
            note: z.string().optional(),
          }),
          originalScore: z.number(),
          rerunScore: z.number().optional(),
          scoreDifference: z.number().optional(),
          rerunScores: SplitScores.extend({ secondary: z.record(z.string(), SplitScores).optional(), scorerVersion: z.string() }).optional(),
          failure: z.string().optional(),
        }),
      )
      .optional(),
    message: z.string().optional(),
    appliedTeams: z.array(z.string()).optional().meta({ description: 'teams whose rerun scores were applied to the board' }),
  })
  .meta({ id: 'RerunRequest', description: "QUEUED → RUNNING → SUCCEEDED | FAILED, with each team's verdict; poll GET /admin/reruns/{rerunId} (docs/API.md)" });
const RerunParams = z.object({ rerunId: resourceId('rerun request id (x-…)') });
const RerunApplication = z
  .object({
    rerunId: z.string(),
    challengeId: z.string(),
    phaseId: z.string(),
    split: z.enum(['overall', 'private']),
    alreadyApplied: z.boolean().meta({ description: 'true when this call changed nothing' }),
    teams: z.array(
      z.discriminatedUnion('outcome', [
        z.object({
          teamId: z.string(),
          submissionId: z.string(),
          outcome: z.enum(['applied', 'already-applied']),
          previousScore: z.number(),
          newScore: z.number(),
          appliedAt: z.string(),
        }),
        z.object({ teamId: z.string(), submissionId: z.string(), outcome: z.literal('skipped'), reason: z.string() }),
      ]),
    ),
    leaderboard: z.object({ written: z.number(), removed: z.number(), unchanged: z.number() }).optional(),
  })
  .meta({
    id: 'RerunApplication',
    description: 'Per team: applied, already-applied or skipped (with why), the old and new score; `alreadyApplied` when this call changed nothing',
  });
// appliedTeams is a DynamoDB string set: a list in JSON.
const view = ({ pk: _pk, sk: _sk, kind: _kind, appliedTeams, ...request }: RerunRequestRecord) => ({
  ...request,
  ...(appliedTeams ? { appliedTeams: [...appliedTeams].sort() } : {}),
});

/**
 * Reruns of the top teams' ranked archives, compared with the originals. The API records the
 * request and submits the jobs (202); the organiser polls it, then exports the report.
 */
export function adminRerunRoutes({ ctx, jobRunner }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/phases/{phaseId}/reruns',
        tags: ['organisers'],
        summary: "Run the top teams' ranked archives again and compare predictions and scores (runs as jobs; changes no score, quota or board)",
        security: bearer,
        request: {
          params: PhaseParams,
          body: {
            required: true,
            content: {
              'application/json': {
                schema: z.object({ top: z.number().int().min(1).max(MAX_RERUN_TEAMS), tolerance: z.number().min(0).max(1e6).default(1e-9) }).strict(),
              },
            },
          },
        },
        responses: { 202: json(RerunRequest, 'Accepted: the rerun jobs are submitted'), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, phaseId } = c.req.valid('param');
        const { top, tolerance } = c.req.valid('json');
        const challenge = await getChallenge(ctx, challengeId);
        return c.json(view(await requestRerun(ctx, jobRunner, { challenge, phaseId, top, tolerance, requestedBy: organiser.userId })), 202);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/reruns/{rerunId}',
        tags: ['organisers'],
        summary: "A rerun request: its state and each team's verdict",
        security: bearer,
        request: { params: RerunParams },
        responses: { 200: json(RerunRequest), ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        return c.json(view(await getRerun(ctx, c.req.valid('param').rerunId)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/reruns/{rerunId}/report.csv',
        tags: ['organisers'],
        summary: "A rerun's per-team report as CSV, for the scientific committee",
        security: bearer,
        request: { params: RerunParams },
        responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        const request = await getRerun(ctx, c.req.valid('param').rerunId);
        c.header('Content-Type', 'text/csv; charset=utf-8');
        c.header('Content-Disposition', `attachment; filename="rerun-${request.rerunId}.csv"`);
        return c.body(rerunReportCsv(request), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/reruns/{rerunId}/apply',
        tags: ['organisers'],
        summary: "Replace the recorded scores of the teams whose rerun differs with the rerun's, and rebuild the boards (audit-logged)",
        security: bearer,
        request: {
          params: RerunParams,
          body: {
            required: false,
            content: {
              'application/json': {
                schema: z.object({ teams: z.array(resourceId('team id')).min(1).max(MAX_RERUN_TEAMS).optional() }).strict(),
              },
            },
          },
        },
        responses: { 200: json(RerunApplication), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { rerunId } = c.req.valid('param');
        const { teams } = (c.req.valid('json') as { teams?: string[] } | undefined) ?? {};
        return c.json(await applyRerun(ctx, { rerunId, ...(teams ? { teams } : {}), appliedBy: organiser.userId }), 200);
      },
    );
}
