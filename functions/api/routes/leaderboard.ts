import { createHash } from 'node:crypto';
import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { leaderboardPage } from '#shared/leaderboard/leaderboard-page.ts';
import { publicScoreHistory } from '#shared/leaderboard/score-history.ts';
import { requirePhase } from '#shared/challenge/challenge.ts';
import type { ApiDependencies } from '../api-env.ts';
import { newRouter } from '../router.ts';
import { commonErrors, json, PhaseParams } from '../schemas.ts';

const Leaderboard = z
  .object({
    phase: z.string(),
    split: z.enum(['public', 'private']),
    published: z.boolean(),
    /** The named scores shown, in ranking order: `score` (primary) first, then each secondary score. */
    scores: z.array(
      z.object({ name: z.string(), kind: z.string(), direction: z.enum(['higher-is-better', 'lower-is-better']), precision: z.number(), primary: z.boolean() }),
    ),
    entries: z.array(
      z.object({
        rank: z.number(),
        teamId: z.string(),
        teamName: z.string(),
        score: z.number(),
        secondaryScores: z.record(z.string(), z.number()).optional(),
        submissionId: z.string(),
        submittedAt: z.string(),
        baseline: z.boolean().optional(),
        /** The team's verified code release, on the challenge's release phase. */
        codeRelease: z.object({ licence: z.string(), archive: z.string() }).optional(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'Leaderboard' });

const LeaderboardHistory = z
  .object({
    phase: z.string(),
    teamId: z.string(),
    points: z.array(z.object({ submissionId: z.string(), at: z.string(), score: z.number() }).meta({ id: 'LeaderboardHistoryPoint' })),
  })
  .meta({ id: 'LeaderboardHistory' });

export function leaderboardRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/phases/{phaseId}/leaderboard/history',
        tags: ['leaderboards'],
        summary: "A team's public score over time (docs/API.md)",
        request: { params: PhaseParams, query: z.object({ teamId: z.string().min(1).max(100) }) },
        responses: { 200: json(LeaderboardHistory), 400: commonErrors[400], 404: commonErrors[404] },
      }),
      async (c) => {
        const { challengeId, phaseId } = c.req.valid('param');
        const { teamId } = c.req.valid('query');
        const challenge = await getChallenge(ctx, challengeId);
        requirePhase(challenge, phaseId);
        const history = await publicScoreHistory(ctx, challenge, phaseId, teamId, c.get('principal'));
        c.header('Cache-Control', 'private, max-age=30');
        return c.json({ phase: phaseId, teamId, points: history }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/phases/{phaseId}/leaderboard',
        tags: ['leaderboards'],
        summary: 'A phase leaderboard: best scored submission per team; secondary scores, then the earlier submission, break ties',
        request: {
          params: PhaseParams,
          query: z.object({
            split: z.enum(['public', 'private']).default('public'),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(2000).optional(),
          }),
        },
        responses: { 200: json(Leaderboard), 304: { description: 'Not modified (If-None-Match)' }, 400: commonErrors[400], 404: commonErrors[404] },
      }),
      async (c) => {
        const { challengeId, phaseId } = c.req.valid('param');
        const { split, limit, cursor } = c.req.valid('query');
        const challenge = await getChallenge(ctx, challengeId);
        const { restricted, ...body } = await leaderboardPage(ctx, challenge, phaseId, split, c.get('principal'), { limit, ...(cursor ? { cursor } : {}) });
        const etag = `W/"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
        // Boards only organisers may see yet must never sit in a shared cache.
        c.header('Cache-Control', restricted ? 'private, no-store' : 'public, max-age=30');
        c.header('ETag', etag);
        if (
          c.req
            .header('if-none-match')
            ?.split(',')
            .some((tag) => tag.trim() === etag)
        )
          return c.body(null, 304);
        return c.json(body, 200);
      },
    );
}
