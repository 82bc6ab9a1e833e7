import type { Metric } from '../challenge/definition-schema.ts';
import { higherIsBetter } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { putIfBetterScore } from '../storage/conditional-writes.ts';
import type { SubmissionRecord, SubmissionScores } from '../submissions/submission-record.ts';
import { buildLeaderboardEntry } from './leaderboard-entry.ts';
import { boardScores } from './leaderboard-splits.ts';
import { createScoreRecords } from './score-record.ts';

/**
 * Records a scored submission: its score records, then — for scored runs, never smoke runs — its
 * candidacy on each board of the phase, kept only where it beats the team's best (conditional
 * write). Idempotent: recording the same submission again changes nothing.
 */
export async function recordScore(ctx: PodiumContext, submission: SubmissionRecord, scores: SubmissionScores, metric: Metric): Promise<void> {
  await createScoreRecords(ctx, submission, scores);
  if (submission.mode !== 'scored') return;
  await Promise.all(
    boardScores(scores).map(([split, score]) =>
      putIfBetterScore(ctx.db, ctx.config.tableName, buildLeaderboardEntry(submission, metric, split, score, scores.scorerVersion), higherIsBetter(metric)),
    ),
  );
}
