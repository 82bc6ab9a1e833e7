import { higherIsBetter, type Metric } from '../challenge/definition-schema.ts';
import type { BestScoreCandidate } from '../storage/conditional-writes.ts';
import { rankSortKey } from '../storage/rank-sort-key.ts';
import { keys, leaderboardPartition } from '../storage/table-design.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import type { BoardSplit } from './leaderboard-splits.ts';

/**
 * A team's best entry on one board of one phase. The `leaderboard` index (lbpk = the board,
 * lbsk = an order-preserving score key) lists entries best first, the earlier submission first
 * on a tie. Team names and disqualification are read from the team item when listing, so renaming
 * or reinstating a team needs no rewrite here.
 */
export interface LeaderboardEntry extends BestScoreCandidate {
  kind: 'leaderboardEntry';
  challengeId: string;
  phaseId: string;
  split: BoardSplit;
  teamId: string;
  scorerVersion: string;
  baseline?: boolean;
  lbpk: string;
  lbsk: string;
}

export function buildLeaderboardEntry(
  submission: Pick<SubmissionRecord, 'id' | 'challengeId' | 'phaseId' | 'teamId' | 'createdAt' | 'baseline'>,
  metric: Metric,
  split: BoardSplit,
  score: number,
  scorerVersion: string,
): LeaderboardEntry {
  return {
    ...keys.leaderboardEntry(submission.challengeId, submission.phaseId, split, submission.teamId),
    kind: 'leaderboardEntry',
    challengeId: submission.challengeId,
    phaseId: submission.phaseId,
    split,
    teamId: submission.teamId,
    submissionId: submission.id,
    submittedAt: submission.createdAt,
    score,
    scorerVersion,
    ...(submission.baseline ? { baseline: true } : {}),
    lbpk: leaderboardPartition(submission.challengeId, submission.phaseId, split),
    lbsk: rankSortKey(score, higherIsBetter(metric), submission.createdAt),
  };
}
