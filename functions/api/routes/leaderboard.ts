import { createHash } from 'node:crypto';
import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import type { Challenge } from '#shared/challenge/challenge.ts';
import { findPhase } from '#shared/challenge/challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { notFound } from '#shared/errors.ts';
import type { Principal } from '#shared/identity/principal.ts';
import { phaseHasSplit } from '#shared/leaderboard/leaderboard-splits.ts';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { scoreColumns } from '#shared/leaderboard/score-columns.ts';
import { verifiedReleasesByTeam, type CodeReleaseRecord } from '#shared/releases/code-release.ts';
import { getPhaseControl } from '#shared/submissions/phase-control.ts';
import { roundScore } from '#shared/submissions/submission-view.ts';
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

/**
 * Who may see a board now. A `private-until-published` phase shows nothing before publication;
 * on other phases only the private split waits. Organisers always see everything.
 */
export function boardVisible(challenge: Challenge, phaseId: string, split: 'public' | 'private', published: boolean, viewer: Principal | undefined): boolean {
  const phase = findPhase(challenge, phaseId)!;
  const restricted = phase.leaderboard === 'private-until-published' || (split === 'private' && phaseHasSplit(challenge, phaseId));
  return !restricted || published || viewer?.organiser === true;
}

/** One page of a leaderboard with display-rounded scores, or NOT_FOUND when the viewer may not see it yet. */
export async function leaderboardPage(
  ctx: PodiumContext,
  challenge: Challenge,
  phaseId: string,
  split: 'public' | 'private',
  viewer: Principal | undefined,
  page: { limit: number; cursor?: string },
) {
  if (!findPhase(challenge, phaseId)) throw notFound(`phase "${phaseId}" of ${challenge.id}`);
  const { published } = await getPhaseControl(ctx, challenge.id, phaseId);
  if (!boardVisible(challenge, phaseId, split, published, viewer)) throw notFound(`the ${split} leaderboard of phase ${phaseId} (not published yet)`);
  const board = await readLeaderboard(ctx, challenge, phaseId, split, page);
  const releases = challenge.codeRelease?.phase === phaseId ? await verifiedReleasesByTeam(ctx, challenge) : new Map<string, CodeReleaseRecord>();
  const columns = scoreColumns(challenge);
  const secondary = columns.filter((column) => !column.primary);
  return {
    phase: phaseId,
    split,
    published,
    scores: columns,
    entries: board.entries.map((entry) => ({
      rank: entry.rank,
      teamId: entry.teamId,
      teamName: entry.teamName ?? entry.teamId,
      score: roundScore(entry.score, challenge.scorePrecision),
      ...(secondary.length > 0 && entry.secondaryScores
        ? {
            secondaryScores: Object.fromEntries(
              secondary.flatMap((column) => (entry.secondaryScores![column.name] === undefined ? [] : [[column.name, roundScore(entry.secondaryScores![column.name]!, column.precision)]])),
            ),
          }
        : {}),
      submissionId: entry.submissionId,
      submittedAt: entry.submittedAt,
      ...(entry.baseline ? { baseline: true } : {}),
      ...(releases.has(entry.teamId)
        ? { codeRelease: { licence: releases.get(entry.teamId)!.licence, archive: `/challenges/${challenge.id}/code-releases/${entry.teamId}/archive` } }
        : {}),
    })),
    nextCursor: board.nextCursor ?? null,
    restricted: !boardVisible(challenge, phaseId, split, published, undefined),
  };
}

export function leaderboardRoutes({ ctx }: ApiDependencies) {
  return newRouter().openapi(
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
      if (c.req.header('if-none-match')?.split(',').some((tag) => tag.trim() === etag)) return c.body(null, 304);
      return c.json(body, 200);
    },
  );
}
