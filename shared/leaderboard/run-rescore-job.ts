import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import type { ReceiptIssuer } from '../receipts/issue-receipt.ts';
import { getChallenge } from '../challenge/challenge-registry.ts';
import { notifyRescored } from '../notifications/rescore-notifications.ts';
import { scorerVersionOf } from '../scoring/scorer-version.ts';
import { rescorePhase, rescoreSubmission, type RescoreResult } from './rescore.ts';
import { capMessage, getRescore, isFinishedRescore, MAX_RECORDED_FAILURES, transitionRescore, type RescoreRequestRecord } from './rescore-request.ts';

export type RescoreJobOutcome =
  | { outcome: 'succeeded' | 'failed'; request: RescoreRequestRecord }
  /** Already finished (a second run of the same job), or finished by someone else meanwhile: nothing redone. */
  | { outcome: 'skipped'; request: RescoreRequestRecord };

const notRescored = (results: RescoreResult[]) =>
  results.flatMap((result) => (result.rescored ? [] : [{ submissionId: result.submissionId, message: capMessage(result.message) }]));

/**
 * The rescore job: runs in the scoring image under the scoring role (the only one that reads
 * labels). Moves the request QUEUED (or RUNNING, after a crashed run) → RUNNING, rescores, then
 * RUNNING → SUCCEEDED with the counts, or → FAILED with a message. Rescoring is idempotent, so a
 * run that resumes a crashed one redoes nothing harmful; a finished request is never redone.
 * Platform faults are recorded on the request and rethrown, so the job ends FAILED (exit 1).
 */
export async function runRescoreJob(ctx: PodiumContext, rescoreId: string, receipts?: ReceiptIssuer): Promise<RescoreJobOutcome> {
  const request = await getRescore(ctx, rescoreId);
  if (isFinishedRescore(request.status)) return { outcome: 'skipped', request };
  const started = await transitionRescore(ctx, rescoreId, { from: ['QUEUED', 'RUNNING'], to: 'RUNNING', setOnce: { startedAt: ctx.now().toISOString() } });
  if (!started) return { outcome: 'skipped', request: await getRescore(ctx, rescoreId) };

  // The version the new scores carry: a scoring program's digest, or the platform's scorer version.
  const challenge = await getChallenge(ctx, request.challengeId);
  const scorerVersion = scorerVersionOf(challenge);
  let outcome: Record<string, unknown>;
  let rescored: RescoreResult[];
  try {
    if (request.submissionId !== undefined) {
      const { leaderboard, ...result } = await rescoreSubmission(ctx, request.submissionId, receipts);
      const failures = notRescored([result]);
      rescored = [result];
      outcome = {
        result: result.rescored ? result : { ...result, message: capMessage(result.message) },
        counts: { rescored: result.rescored ? 1 : 0, notRescored: failures.length },
        failures,
        ...(leaderboard ? { leaderboard } : {}),
      };
    } else {
      const { results, leaderboard } = await rescorePhase(ctx, request.challengeId, request.phaseId, receipts);
      const failures = notRescored(results);
      rescored = results;
      outcome = {
        counts: { rescored: results.length - failures.length, notRescored: failures.length },
        failures: failures.slice(0, MAX_RECORDED_FAILURES),
        leaderboard,
      };
    }
  } catch (error) {
    // Domain refusals (the submission is no longer scored, a concurrent change) are the request's
    // outcome; anything else is a platform fault whose details stay in the job's log.
    const refused = error instanceof PodiumError && error.status < 500;
    const message = error instanceof PodiumError ? error.message : 'rescoring stopped on a platform error; the scoring job log has the details';
    const set = { message: capMessage(message), scorerVersion, finishedAt: ctx.now().toISOString() };
    await transitionRescore(ctx, rescoreId, { from: ['RUNNING'], to: 'FAILED', set });
    if (refused) return { outcome: 'failed', request: await getRescore(ctx, rescoreId) };
    throw error;
  }
  // Told before the request is finished: a run that crashes in between is run again, and tells nobody twice.
  await notifyRescored(ctx, challenge, rescoreId, rescored);
  const set = { ...outcome, scorerVersion, finishedAt: ctx.now().toISOString() };
  const finished = await transitionRescore(ctx, rescoreId, { from: ['RUNNING'], to: 'SUCCEEDED', set });
  return { outcome: finished ? 'succeeded' : 'skipped', request: await getRescore(ctx, rescoreId) };
}
