import { requirePhase, type Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { verifiedReleasesByTeam, type CodeReleaseRecord } from '../releases/code-release.ts';
import { getPhaseControl } from '../submissions/phase-control.ts';
import { roundScore } from '../submissions/submission-view.ts';
import { boardVisible, type BoardSplit } from './board-visibility.ts';
import { readLeaderboard } from './read-leaderboard.ts';
import { scoreColumns } from './score-columns.ts';

/**
 * One page of a leaderboard as a viewer may see it, with display-rounded scores; NOT_FOUND when
 * the viewer may not see it yet. `restricted`: anyone but an organiser would be refused it, so it
 * must never sit in a shared cache. The API's leaderboard route and the organisers' CSV export
 * both read boards through it.
 */
export async function leaderboardPage(
  ctx: PodiumContext,
  challenge: Challenge,
  phaseId: string,
  split: BoardSplit,
  viewer: Principal | undefined,
  page: { limit: number; cursor?: string },
) {
  requirePhase(challenge, phaseId);
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
              secondary.flatMap((column) =>
                entry.secondaryScores![column.name] === undefined ? [] : [[column.name, roundScore(entry.secondaryScores![column.name]!, column.precision)]],
              ),
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
