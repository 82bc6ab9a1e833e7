import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import { getChallenge } from '../challenge/challenge-registry.ts';
import { requirePhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { notifySubmissionOutcome } from '../notifications/submission-notifications.ts';
import { settleQuota } from '../submissions/quota.ts';
import { findSubmission, transitionSubmission, type SubmissionFailure, type SubmissionRecord } from '../submissions/submission-record.ts';
import { isTerminal, type SubmissionStatus } from '../submissions/submission-status.ts';
import { pipelineLog } from './pipeline-log.ts';
import { pipelineMetrics } from './pipeline-metrics.ts';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from './pipeline-settings.ts';
import { queueJobs } from './queue-jobs.ts';

/** The phase a submission belongs to, from the registered challenge definition. */
export async function phaseOf(ctx: PodiumContext, submission: Pick<SubmissionRecord, 'challengeId' | 'phaseId'>): Promise<PhaseDefinition> {
  return requirePhase(await getChallenge(ctx, submission.challengeId), submission.phaseId);
}

/** Cancels whichever of the submission's jobs may still be waiting or running. */
export async function cancelJobs(runner: JobRunner, submission: SubmissionRecord, reason: string): Promise<void> {
  const ids = [submission.jobs?.scoring, submission.jobs?.inference].filter((id): id is string => Boolean(id));
  for (const id of ids) {
    try {
      await runner.cancel(id, reason);
    } catch (error) {
      // A job that already finished or vanished cannot be cancelled; that is the outcome wanted.
      pipelineLog.warn('cancelling a job failed', { submissionId: submission.id, jobId: id, error: String(error) });
    }
  }
}

/**
 * Applies the consequences of a terminal state: quota settled exactly once and leftover jobs
 * cancelled. Safe to call any number of times (duplicate events, reconciler passes).
 */
export async function settleTerminal(ctx: PodiumContext, runner: JobRunner | undefined, submissionId: string): Promise<SubmissionRecord | undefined> {
  const submission = await findSubmission(ctx, submissionId);
  if (!submission || !isTerminal(submission.status)) return submission;
  if (runner && submission.status !== 'SCORED' && submission.status !== 'REJECTED') await cancelJobs(runner, submission, `submission ${submission.status}`);
  await notifyOutcome(ctx, submission);
  if (submission.quotaSettledAt) return submission;
  await settleQuota(ctx, submission, await phaseOf(ctx, submission));
  return findSubmission(ctx, submissionId);
}

/** The team hears of the outcome once (the event id dedups); a notification fault never holds up settling. */
async function notifyOutcome(ctx: PodiumContext, submission: SubmissionRecord): Promise<void> {
  try {
    await notifySubmissionOutcome(ctx, submission);
  } catch (error) {
    pipelineLog.warn('notifying the outcome failed', { submissionId: submission.id, error: String(error) });
  }
}

/**
 * Ends a submission in FAILED(reason) when it is still in one of `from` at `attempt`; returns
 * false, changing nothing, for a duplicate or stale event.
 */
export async function failSubmission(
  ctx: PodiumContext,
  runner: JobRunner | undefined,
  submission: SubmissionRecord,
  failure: SubmissionFailure,
  from: readonly SubmissionStatus[] = ['QUEUED', 'RUNNING', 'SCORING'],
): Promise<boolean> {
  const changed = await transitionSubmission(ctx, submission.id, { to: 'FAILED', from, attempt: submission.attempt, set: { failure } });
  if (changed) {
    pipelineMetrics.submissionEntered('FAILED');
    pipelineMetrics.jobFailure(failure.reason);
    pipelineLog.info('submission failed', { submissionId: submission.id, reason: failure.reason, attempt: submission.attempt });
  }
  await settleTerminal(ctx, runner, submission.id);
  return changed;
}

/**
 * A platform fault: re-queue with attempt + 1 (never charged), or end in PLATFORM_ERROR after the
 * last attempt (refunded by settleQuota). Conditional on the attempt, so two reports of the same
 * fault retry once.
 */
export async function retryAfterPlatformFault(
  ctx: PodiumContext,
  runner: JobRunner,
  submission: SubmissionRecord,
  why: string,
  settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
): Promise<'retried' | 'failed' | 'unchanged'> {
  pipelineMetrics.jobFailure('PLATFORM_ERROR');
  if (submission.attempt >= settings.maxAttempts) {
    const failed = await failSubmission(ctx, runner, submission, {
      reason: 'PLATFORM_ERROR',
      message: `The platform failed to run this submission ${submission.attempt} times (${why}). It was not counted against your quota; please submit again.`,
    });
    return failed ? 'failed' : 'unchanged';
  }
  const attempt = submission.attempt + 1;
  const retried = await transitionSubmission(ctx, submission.id, {
    to: 'QUEUED',
    from: [submission.status],
    attempt: submission.attempt,
    set: { attempt, jobs: {} },
  });
  if (!retried) return 'unchanged';
  pipelineLog.warn('platform fault: retrying', { submissionId: submission.id, attempt, why });
  await cancelJobs(runner, submission, 'superseded by a retry');
  await queueJobs(ctx, runner, { ...submission, status: 'QUEUED', attempt, jobs: {} }, settings);
  return 'retried';
}
