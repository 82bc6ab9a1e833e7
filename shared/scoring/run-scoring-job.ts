import { getChallenge } from '../challenge/challenge-registry.ts';
import { findPhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { recordScore } from '../leaderboard/record-score.ts';
import { settleQuota } from '../submissions/quota.ts';
import { getSubmission, transitionSubmission, type SubmissionRecord, type SubmissionScores } from '../submissions/submission-record.ts';
import { scoreStoredPredictions } from './score-stored-predictions.ts';
import { SCORER_VERSION } from './scorer-version.ts';

export type ScoringJobOutcome =
  | { outcome: 'scored'; scores: SubmissionScores }
  | { outcome: 'failed'; message: string }
  /** A smoke run whose smoke dataset has no labels: it ran and produced a valid file, nothing to score. */
  | { outcome: 'unscored' }
  /** Not this attempt's turn (duplicate or late run): nothing changed except finishing what a crash left undone. */
  | { outcome: 'skipped'; status: SubmissionRecord['status'] };

/**
 * The scoring job of one attempt: scores the stored predictions against the labels, then moves
 * SCORING → SCORED (with scores) or → FAILED (PREDICTIONS_INVALID), conditional on the status
 * and the attempt. The transition is the commit point; score records, leaderboard entries and the
 * quota settlement follow and are idempotent, so a rerun of the same attempt after a crash
 * finishes them and otherwise changes nothing.
 * Platform problems (missing labels or predictions, S3 errors) throw: the job fails and is retried.
 */
export async function runScoringJob(ctx: PodiumContext, submissionId: string, attempt: number): Promise<ScoringJobOutcome> {
  const submission = await getSubmission(ctx, submissionId);
  const challenge = await getChallenge(ctx, submission.challengeId);
  const phase = findPhase(challenge, submission.phaseId);
  if (!phase) throw new PodiumError('NOT_FOUND', `phase "${submission.phaseId}" was not found in challenge "${challenge.id}"`);
  if (submission.attempt !== attempt || submission.status !== 'SCORING') {
    if (submission.attempt === attempt && submission.status === 'SCORED' && submission.scores) {
      await recordScore(ctx, submission, submission.scores, challenge.metric);
    }
    if (submission.attempt === attempt) await settleQuota(ctx, submission, phase);
    return { outcome: 'skipped', status: submission.status };
  }

  const outcome = await scoreStoredPredictions(ctx, challenge, submission);
  const scoredAt = ctx.now().toISOString();
  if (outcome && !outcome.ok) {
    const failure = { reason: 'PREDICTIONS_INVALID' as const, message: outcome.hint ? `${outcome.message}. Hint: ${outcome.hint}` : outcome.message };
    const moved = await transitionSubmission(ctx, submission.id, { to: 'FAILED', from: ['SCORING'], attempt, set: { failure } });
    if (!moved) return { outcome: 'skipped', status: (await getSubmission(ctx, submission.id)).status };
    await settleQuota(ctx, { ...submission, status: 'FAILED', failure }, phase);
    return { outcome: 'failed', message: failure.message };
  }

  const scores: SubmissionScores | undefined = outcome
    ? { ...outcome.scores, scorerVersion: SCORER_VERSION, scoredAt }
    : undefined;
  const moved = await transitionSubmission(ctx, submission.id, { to: 'SCORED', from: ['SCORING'], attempt, ...(scores ? { set: { scores } } : {}) });
  if (!moved) return { outcome: 'skipped', status: (await getSubmission(ctx, submission.id)).status };
  const scored: SubmissionRecord = { ...submission, status: 'SCORED', ...(scores ? { scores } : {}) };
  if (scores) await recordScore(ctx, scored, scores, challenge.metric);
  await settleQuota(ctx, scored, phase);
  return scores ? { outcome: 'scored', scores } : { outcome: 'unscored' };
}
