import { higherIsBetter, type ChallengeFile } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { putIfBetterScore } from '../storage/conditional-writes.ts';
import type { SubmissionRecord, SubmissionScores } from '../submissions/submission-record.ts';
import { ranksOnBoard } from './board-candidacy.ts';
import { buildLeaderboardEntry } from './leaderboard-entry.ts';
import { boardScores } from './leaderboard-splits.ts';
import { finalSelectionsOf, refreshPrivateEntry } from './private-board.ts';
import { createScoreRecords } from './score-record.ts';

/**
 * Records a scored submission: its score records, then — for runs that rank (`ranksOnBoard`: never
 * smoke runs, nor organisers' test runs unless marked baseline) — its
 * candidacy on each board of the phase: kept on the public (or only) board where it beats the
 * team's best (conditional write); on the private board the team's entry is recomputed under the
 * final-selection rule (`private-board.ts`), since a new public best can change which submissions
 * count. Idempotent: recording the same submission again changes nothing.
 */
export async function recordScore(ctx: PodiumContext, submission: SubmissionRecord, scores: SubmissionScores, challenge: ChallengeFile): Promise<void> {
  await createScoreRecords(ctx, submission, scores);
  if (!ranksOnBoard(submission)) return;
  const selectionRule = finalSelectionsOf(challenge, submission.phaseId) > 0;
  await Promise.all(
    boardScores(scores).map(([split, score]) =>
      split === 'private' && selectionRule
        ? refreshPrivateEntry(ctx, challenge, submission.phaseId, submission.teamId, { ...submission, status: 'SCORED', scores })
        : putIfBetterScore(ctx.db, ctx.config.tableName, buildLeaderboardEntry(submission, challenge, split, score, scores), higherIsBetter(challenge.metric)),
    ),
  );
}
