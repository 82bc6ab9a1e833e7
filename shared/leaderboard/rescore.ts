import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { Challenge } from '../challenge/load-challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { scoreStoredPredictions } from '../scoring/score-stored-predictions.ts';
import { scorerVersionOf } from '../scoring/scorer-version.ts';
import { ScoringProgramError } from '../scoring/scoring-program.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { getSubmission, type SubmissionRecord, type SubmissionScores } from '../submissions/submission-record.ts';
import { scoredSubmissionsOfPhase } from './phase-submissions.ts';
import { rebuildLeaderboard, type RebuildSummary } from './rebuild-leaderboard.ts';
import { replaceScoreRecords } from './score-record.ts';
import { issueReceipt, type ReceiptIssuer } from '../receipts/issue-receipt.ts';

export type RescoreResult =
  | { submissionId: string; rescored: true; scores: SubmissionScores; previous?: SubmissionScores }
  /** The stored predictions no longer pass validation under the current rules; scores left as they were. */
  | { submissionId: string; rescored: false; message: string };

/** Re-runs the current scorer on one stored submission and updates its scores; no leaderboard change. */
async function rescoreOne(ctx: PodiumContext, challenge: Challenge, submission: SubmissionRecord, receipts?: ReceiptIssuer): Promise<RescoreResult> {
  let outcome;
  try {
    outcome = await scoreStoredPredictions(ctx, challenge, submission);
  } catch (error) {
    // Rescores are the organisers': the program's own words are theirs to read.
    if (error instanceof ScoringProgramError) return { submissionId: submission.id, rescored: false, message: error.message };
    throw error;
  }
  if (!outcome) return { submissionId: submission.id, rescored: false, message: 'the smoke dataset has no labels' };
  if (!outcome.ok) return { submissionId: submission.id, rescored: false, message: outcome.message };
  const scores: SubmissionScores = { ...outcome.scores, scorerVersion: scorerVersionOf(challenge), scoredAt: ctx.now().toISOString() };
  await replaceScoreRecords(ctx, submission, scores);
  const applied = await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.submission(submission.id),
      UpdateExpression: 'SET scores = :scores',
      // Only a scored submission is rescored, and a later rescore is never overwritten by an earlier one.
      ConditionExpression: '#status = :scored AND (attribute_not_exists(scores) OR scores.scoredAt <= :at)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':scores': scores, ':scored': 'SCORED', ':at': scores.scoredAt },
    }),
  );
  if (!applied) throw new PodiumError('CONFLICT', `submission "${submission.id}" changed while it was rescored; try again`);
  // New scores, new receipt (keyed by scorer version and time); the previous one stays verifiable.
  if (receipts) await issueReceipt(ctx, receipts, challenge, { ...submission, scores });
  return { submissionId: submission.id, rescored: true, scores, ...(submission.scores ? { previous: submission.scores } : {}) };
}

/**
 * Rescores one SCORED submission from its stored predictions and labels under the current scorer
 * version (new score records; older versions kept), then rebuilds its phase's leaderboard.
 * Creates no submission and touches no quota.
 */
export async function rescoreSubmission(
  ctx: PodiumContext,
  submissionId: string,
  receipts?: ReceiptIssuer,
): Promise<RescoreResult & { leaderboard?: RebuildSummary }> {
  const submission = await getSubmission(ctx, submissionId);
  if (submission.status !== 'SCORED') {
    throw new PodiumError('INVALID_STATE', `submission "${submissionId}" is ${submission.status}; only scored submissions can be rescored`);
  }
  const challenge = await getChallenge(ctx, submission.challengeId);
  const result = await rescoreOne(ctx, challenge, submission, receipts);
  if (submission.mode !== 'scored') return result;
  return { ...result, leaderboard: await rebuildLeaderboard(ctx, challenge, submission.phaseId) };
}

/** Rescores every scored submission of a phase, then rebuilds its leaderboard once. */
export async function rescorePhase(
  ctx: PodiumContext,
  challengeId: string,
  phaseId: string,
  receipts?: ReceiptIssuer,
): Promise<{ results: RescoreResult[]; leaderboard: RebuildSummary }> {
  const challenge = await getChallenge(ctx, challengeId);
  const submissions = await scoredSubmissionsOfPhase(ctx, challengeId, phaseId);
  const results: RescoreResult[] = [];
  for (const submission of submissions) results.push(await rescoreOne(ctx, challenge, submission, receipts));
  return { results, leaderboard: await rebuildLeaderboard(ctx, challenge, phaseId) };
}
