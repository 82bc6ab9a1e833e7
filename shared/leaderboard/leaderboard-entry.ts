import { higherIsBetter, type ChallengeFile } from '../challenge/definition-schema.ts';
import type { BestScoreCandidate } from '../storage/conditional-writes.ts';
import { rankSortKey, type TieBreaker } from '../storage/rank-sort-key.ts';
import { keys, leaderboardPartition } from '../storage/table-design.ts';
import type { SubmissionRecord, SubmissionScores } from '../submissions/submission-record.ts';
import type { BoardSplit } from './leaderboard-splits.ts';

/** What ranks entries: the primary metric and the secondary ones that break its ties. */
export type RankingRules = Pick<ChallengeFile, 'metric' | 'secondaryMetrics'>;

/** The submission's secondary scores on one split, by name (those it has). */
export function secondaryScoresOn(scores: Pick<SubmissionScores, 'secondary'>, split: BoardSplit): Record<string, number> {
  return Object.fromEntries(Object.entries(scores.secondary ?? {}).flatMap(([name, each]) => (each[split] === undefined ? [] : [[name, each[split]!]])));
}

/**
 * The secondary scores in the order the challenge gives them, each in its own direction. A score
 * the submission lacks (scored before the metric was added, until a rescore) counts as the worst.
 */
export function tieBreakersOf(rules: RankingRules, secondary: Record<string, number>): TieBreaker[] {
  return (rules.secondaryMetrics ?? []).map((metric) => {
    const higher = higherIsBetter(metric);
    return { score: secondary[metric.name] ?? (higher ? -Number.MAX_VALUE : Number.MAX_VALUE), higherIsBetter: higher };
  });
}

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
  /** The secondary scores on this board's split, by name: shown beside the score, and they break its ties. */
  secondaryScores?: Record<string, number>;
  baseline?: boolean;
  lbpk: string;
  lbsk: string;
}

export function buildLeaderboardEntry(
  submission: Pick<SubmissionRecord, 'id' | 'challengeId' | 'phaseId' | 'teamId' | 'createdAt' | 'baseline'>,
  rules: RankingRules,
  split: BoardSplit,
  score: number,
  scores: Pick<SubmissionScores, 'scorerVersion' | 'secondary'>,
): LeaderboardEntry {
  const secondary = secondaryScoresOn(scores, split);
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
    scorerVersion: scores.scorerVersion,
    ...(Object.keys(secondary).length > 0 ? { secondaryScores: secondary } : {}),
    ...(submission.baseline ? { baseline: true } : {}),
    lbpk: leaderboardPartition(submission.challengeId, submission.phaseId, split),
    lbsk: rankSortKey(score, higherIsBetter(rules.metric), submission.createdAt, tieBreakersOf(rules, secondary)),
  };
}
