import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { higherIsBetter } from '../challenge/definition-schema.ts';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { keys } from '../storage/table-design.ts';
import { listTeamSubmissions } from '../submissions/list-submissions.ts';
import { getPhaseControl } from '../submissions/phase-control.ts';
import { roundScore } from '../submissions/submission-view.ts';
import { ranksOnBoard } from './board-candidacy.ts';
import { boardVisible } from './board-visibility.ts';
import { boardForView } from './leaderboard-splits.ts';

export interface ScoreHistoryPoint {
  submissionId: string;
  /** When the submission was made: the `submittedAt` the board showed for it. */
  at: string;
  score: number;
}

/**
 * A team's public-board score over time: each scored submission that improved the team's best public
 * score, in submission order — exactly the scores the public board showed, one after another. A
 * submission that did not improve it stays unseen, as on the board; a phase whose board waits for
 * publication answers NOT_FOUND until then, like the board. A team the board does not show
 * (disqualified, merged, or never scored) has no points.
 *
 * Reads the team's submissions on the phase through the owner index (a paginated query, bounded by the
 * phase's quota), never a scan.
 */
export async function publicScoreHistory(
  ctx: PodiumContext,
  challenge: Challenge,
  phaseId: string,
  teamId: string,
  viewer: Principal | undefined,
): Promise<ScoreHistoryPoint[]> {
  const { published } = await getPhaseControl(ctx, challenge.id, phaseId);
  if (!boardVisible(challenge, phaseId, 'public', published, viewer)) throw notFound(`the public leaderboard of phase ${phaseId} (not published yet)`);
  const board = boardForView(challenge, phaseId, 'public');
  const [team, entry] = await Promise.all([
    ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.team(challenge.id, teamId) })),
    ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.leaderboardEntry(challenge.id, phaseId, board, teamId) })),
  ]);
  const shown = team.Item && entry.Item && team.Item.disqualified !== true && typeof team.Item.mergedInto !== 'string';
  if (!shown) return [];
  // The team's submissions on the phase, newest first, through the owner index; oldest first here.
  const submissions = (await listTeamSubmissions(ctx, challenge.id, teamId, phaseId)).reverse();
  const better = higherIsBetter(challenge.metric) ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  const points: ScoreHistoryPoint[] = [];
  let best: number | undefined;
  for (const submission of submissions) {
    const score = submission.scores?.[board];
    if (submission.status !== 'SCORED' || !ranksOnBoard(submission) || score === undefined || !Number.isFinite(score)) continue;
    if (best !== undefined && !better(score, best)) continue;
    best = score;
    points.push({ submissionId: submission.id, at: submission.createdAt, score: roundScore(score, challenge.scorePrecision) });
  }
  return points;
}
