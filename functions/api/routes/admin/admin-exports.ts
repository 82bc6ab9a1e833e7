import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { requirePhase } from '#shared/challenge/challenge.ts';
import type { Challenge } from '#shared/challenge/challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import type { Principal } from '#shared/identity/principal.ts';
import { PodiumError } from '#shared/errors.ts';
import { recordAudit } from '#shared/audit/audit-log.ts';
import { ARCHIVE_FORMAT, exportChallengeArchive } from '#shared/exports/challenge-archive.ts';
import { accessLogCsv, leaderboardCsv, participantsCsv, submissionsCsv, type LeaderboardRow } from '#shared/exports/challenge-exports.ts';
import { leaderboardPage } from '#shared/leaderboard/leaderboard-page.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter } from '../../router.ts';
import { bearer, challengeIdParam, commonErrors, json } from '../../schemas.ts';

const ChallengeArchive = z
  .object({
    format: z.literal(ARCHIVE_FORMAT),
    challengeId: z.string(),
    exportedAt: z.string(),
    pseudonymised: z.boolean(),
    items: z.array(z.record(z.string(), z.unknown())).meta({ description: "the challenge's stored records, as `podium restore` reads them" }),
  })
  .meta({ id: 'ChallengeArchive' });

const csv = { description: 'CSV; cells starting with = + - @ tab or CR are neutralised', content: { 'text/csv': { schema: z.string() } } };

export function adminExportRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/archive',
        tags: ['organisers'],
        summary: 'The whole challenge as stored (definition, teams, submissions, scores, receipts, boards, logs), to restore into another Podium; audit-logged',
        security: bearer,
        request: { params: z.object({ challengeId: challengeIdParam }), query: z.object({ pseudonymise: z.enum(['true', 'false']).default('false') }) },
        responses: {
          200: json(ChallengeArchive, 'A challenge archive (docs/API.md)'),
          ...commonErrors,
        },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId } = c.req.valid('param');
        const pseudonymise = c.req.valid('query').pseudonymise === 'true';
        const archive = await exportChallengeArchive(ctx, challengeId, { pseudonymise });
        await recordAudit(ctx, challengeId, {
          actor: organiser.userId,
          action: 'challenge.exported',
          target: challengeId,
          details: { items: archive.items.length, pseudonymise },
        });
        c.header('Cache-Control', 'no-store');
        return c.json(archive, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/exports/{export}',
        tags: ['organisers'],
        summary: 'CSV export: leaderboard.csv, submissions.csv, access-log.csv or participants.csv',
        security: bearer,
        request: {
          params: z.object({ challengeId: challengeIdParam, export: z.enum(['leaderboard.csv', 'submissions.csv', 'access-log.csv', 'participants.csv']) }),
          query: z.object({ phase: z.string().optional(), split: z.enum(['public', 'private']).optional() }),
        },
        responses: { 200: csv, ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, export: name } = c.req.valid('param');
        const { phase, split } = c.req.valid('query');
        const challenge = await getChallenge(ctx, challengeId);
        if (phase) requirePhase(challenge, phase);
        let body: string;
        if (name === 'submissions.csv') body = await submissionsCsv(ctx, challenge, phase);
        else if (name === 'access-log.csv') body = await accessLogCsv(ctx, challenge);
        else if (name === 'participants.csv') body = await participantsCsv(ctx, challenge);
        else body = await leaderboardExport(ctx, challenge, organiser, phase, split ?? 'public');
        c.header('Content-Type', 'text/csv; charset=utf-8');
        c.header('Content-Disposition', `attachment; filename="${challenge.id}-${phase ? `${phase}-` : ''}${name}"`);
        c.header('Cache-Control', 'no-store');
        return c.body(body, 200);
      },
    );
}

/** The whole leaderboard of a phase (every page), as organisers see it. */
async function leaderboardExport(
  ctx: PodiumContext,
  challenge: Challenge,
  organiser: Principal,
  phaseId: string | undefined,
  split: 'public' | 'private',
): Promise<string> {
  if (!phaseId)
    throw new PodiumError('VALIDATION_FAILED', 'query.phase: the leaderboard export needs ?phase=', {
      issues: [{ field: 'query.phase', message: 'is required for leaderboard.csv' }],
    });
  const rows: LeaderboardRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await leaderboardPage(ctx, challenge, phaseId, split, organiser, { limit: 200, ...(cursor ? { cursor } : {}) });
    rows.push(...page.entries);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return leaderboardCsv(
    rows,
    (challenge.secondaryMetrics ?? []).map((metric) => metric.name),
  );
}
