import { getChallenge } from '../challenge/challenge-registry.ts';
import { requirePhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { recordScore } from '../leaderboard/record-score.ts';
import { settleQuota } from '../submissions/quota.ts';
import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import { pipelineMetrics } from '../pipeline/pipeline-metrics.ts';
import { recordedFailure } from '../pipeline/run-failure.ts';
import { readRunOutcome } from '../pipeline/run-outcome.ts';
import { issueReceipt, type ReceiptIssuer } from '../receipts/issue-receipt.ts';
import { getSubmission, transitionSubmission, type SubmissionFailure, type SubmissionRecord, type SubmissionScores } from '../submissions/submission-record.ts';
import { failureMessages } from '../pipeline/failure-messages.ts';
import { scoreStoredPredictions } from './score-stored-predictions.ts';
import { scorerVersionOf } from './scorer-version.ts';
import { ScoringProgramError } from './scoring-program.ts';

export type ScoringJobOutcome =
  | { outcome: 'scored'; scores: SubmissionScores }
  | { outcome: 'failed'; message: string }
  /** A smoke run whose smoke dataset has no labels: it ran and produced a valid file, nothing to score. */
  | { outcome: 'unscored' }
  /** Not this attempt's turn (duplicate or late run): nothing changed except finishing what a crash left undone. */
  | { outcome: 'skipped'; status: SubmissionRecord['status'] };

/**
 * The scoring job of one attempt: records the inference launcher's outcome, or scores the stored
 * predictions against the labels, then moves SCORING → SCORED (with scores) or → FAILED (the
 * launcher's failure, or PREDICTIONS_INVALID), conditional on the status and the attempt. The
 * transition is the commit point; score records, leaderboard entries and the quota settlement
 * follow and are idempotent, so a rerun of the same attempt after a crash finishes them and
 * otherwise changes nothing.
 * Platform problems (missing labels or predictions, S3 errors) throw: the job fails and is retried.
 * A failing scoring program (the organisers') ends the submission FAILED(PLATFORM_ERROR) at once,
 * not retried (it would fail the same way) and not charged; the team reads a fixed wording.
 * With `receipts`, a scored submission's receipt is signed after the score is recorded (issue-receipt.ts).
 */
export async function runScoringJob(ctx: PodiumContext, submissionId: string, attempt: number, receipts?: ReceiptIssuer): Promise<ScoringJobOutcome> {
  const submission = await getSubmission(ctx, submissionId);
  const challenge = await getChallenge(ctx, submission.challengeId);
  const phase = requirePhase(challenge, submission.phaseId);
  if (submission.attempt !== attempt || submission.status !== 'SCORING') {
    if (submission.attempt === attempt && submission.status === 'SCORED' && submission.scores) {
      await recordScore(ctx, submission, submission.scores, challenge);
    }
    if (submission.attempt === attempt) await settleQuota(ctx, submission, phase);
    // A crash after the score and before the receipt is repaired by this rerun.
    if (receipts && submission.attempt === attempt) await issueReceipt(ctx, receipts, challenge, submission);
    return { outcome: 'skipped', status: submission.status };
  }

  // What the inference launcher reported; it holds no table credentials, so its outcome is recorded here.
  const run = await readRunOutcome(ctx.s3, ctx.config.predictionsBucket, submission.id, attempt);
  if (!run) throw new PodiumError('INTERNAL', `the inference job of submission "${submission.id}" attempt ${attempt} reported no outcome`);
  // Whatever the code produced after it saw hidden data reaches the team only as a fixed category.
  const sawHiddenData = submission.mode !== 'smoke';
  const usage = run.run ? { run: run.run } : {};
  if (run.result === 'failed') return recordFailure(ctx, submission, phase, recordedFailure(run.failure, sawHiddenData && run.codeRan), usage);

  let outcome;
  try {
    outcome = await scoreStoredPredictions(ctx, challenge, submission);
  } catch (error) {
    if (!(error instanceof ScoringProgramError)) throw error;
    // The organisers' program is theirs to fix: a platform error, never charged, with its detail for them alone.
    const failure = { reason: 'PLATFORM_ERROR' as const, message: error.message, summary: failureMessages.scoringProgramFailed() };
    return recordFailure(ctx, submission, phase, recordedFailure(failure, true), usage);
  }
  const scoredAt = ctx.now().toISOString();
  if (outcome && !outcome.ok) {
    const withHint = (text: string) => (outcome.hint ? `${text}. Hint: ${outcome.hint}` : text);
    const failure = { reason: 'PREDICTIONS_INVALID' as const, message: withHint(outcome.message), summary: withHint(outcome.summary) };
    return recordFailure(ctx, submission, phase, recordedFailure(failure, sawHiddenData), usage);
  }

  const scores: SubmissionScores | undefined = outcome ? { ...outcome.scores, scorerVersion: scorerVersionOf(challenge), scoredAt } : undefined;
  const moved = await transitionSubmission(ctx, submission.id, { to: 'SCORED', from: ['SCORING'], attempt, set: { ...(scores ? { scores } : {}), ...usage } });
  if (!moved) return { outcome: 'skipped', status: (await getSubmission(ctx, submission.id)).status };
  const scored: SubmissionRecord = { ...submission, status: 'SCORED', ...(scores ? { scores } : {}), ...usage };
  if (scores) await recordScore(ctx, scored, scores, challenge);
  await settleQuota(ctx, scored, phase);
  if (receipts) await issueReceipt(ctx, receipts, challenge, scored);
  return scores ? { outcome: 'scored', scores } : { outcome: 'unscored' };
}

async function recordFailure(
  ctx: PodiumContext,
  submission: SubmissionRecord,
  phase: PhaseDefinition,
  failure: SubmissionFailure,
  usage: Pick<SubmissionRecord, 'run'>,
): Promise<ScoringJobOutcome> {
  const moved = await transitionSubmission(ctx, submission.id, { to: 'FAILED', from: ['SCORING'], attempt: submission.attempt, set: { failure, ...usage } });
  if (!moved) return { outcome: 'skipped', status: (await getSubmission(ctx, submission.id)).status };
  pipelineMetrics.submissionEntered('FAILED');
  pipelineMetrics.jobFailure(failure.reason);
  await settleQuota(ctx, { ...submission, status: 'FAILED', failure }, phase);
  return { outcome: 'failed', message: failure.message };
}
