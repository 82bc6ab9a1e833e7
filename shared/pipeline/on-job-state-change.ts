import type { PodiumContext } from '../context.ts';
import type { JobRunner, JobStateEvent, PipelineJobStateEvent, RescoreJobStateEvent } from '../jobs/job-runner.ts';
import { failRescore, findRescore, isFinishedRescore } from '../leaderboard/rescore-request.ts';
import { onRerunEvent } from '../reruns/rerun-request.ts';
import { findSubmission, transitionSubmission, type SubmissionRecord } from '../submissions/submission-record.ts';
import { isTerminal } from '../submissions/submission-status.ts';
import { failureMessages } from './failure-messages.ts';
import { failSubmission, phaseOf, retryAfterPlatformFault, settleTerminal } from './finish-submission.ts';
import { pipelineLog } from './pipeline-log.ts';
import { pipelineMetrics } from './pipeline-metrics.ts';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from './pipeline-settings.ts';
import { RESCORE_TIMEOUT_SECONDS } from './queue-jobs.ts';
import { SANDBOX_UNAVAILABLE_EXIT_CODE, SANDBOX_UNAVAILABLE_REASON } from '../sandbox/sandbox-unavailable.ts';

export type JobEventOutcome = 'ignored' | 'stale' | 'advanced' | 'failed' | 'retried' | 'settled' | 'unchanged';

/** Batch's wording for these outcomes; the local runner reports the same strings. */
export const BATCH_REASONS = {
  timeout: 'Job attempt duration exceeded timeout',
  dependencyFailed: 'Dependent Job failed',
  outOfMemory: 'OutOfMemoryError: Container killed due to memory usage',
} as const;

const isTimeout = (event: JobStateEvent) => /exceeded timeout/i.test(event.statusReason ?? '');
const isOutOfMemory = (event: JobStateEvent) => /OutOfMemory/i.test(`${event.containerReason ?? ''} ${event.statusReason ?? ''}`);

/**
 * Advances a submission from one job-state event. Events arrive at least once and in any order:
 * an event for another attempt, for a job the record does not name, or for a state already left,
 * changes nothing. A competitor failure is an outcome the inference job reports in S3 (it exits 0,
 * holding no table credentials) and the scoring job records; a job that fails otherwise is a
 * platform fault and is retried, never charged.
 * A rescore job's events go to its rescore request and never touch a submission.
 */
export async function onJobStateChange(
  ctx: PodiumContext,
  runner: JobRunner,
  event: JobStateEvent,
  settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
): Promise<JobEventOutcome> {
  if (event.kind === 'rescore') return onRescoreEvent(ctx, event);
  if ('rerunId' in event) return onRerunEvent(ctx, event);
  // A training job's events are its own handler's (shared/training/on-training-job-state.ts).
  if (event.kind === 'training') return 'ignored';
  const submission = await findSubmission(ctx, event.submissionId);
  if (!submission) {
    pipelineLog.warn('job event for an unknown submission', { jobId: event.jobId, submissionId: event.submissionId });
    return 'ignored';
  }
  const recordedJob = submission.jobs?.[event.kind];
  if (event.attempt !== submission.attempt || (recordedJob !== undefined && recordedJob !== event.jobId)) {
    pipelineLog.info('stale job event ignored', { submissionId: submission.id, attempt: submission.attempt, event: event.attempt, jobId: event.jobId });
    return 'stale';
  }
  if (isTerminal(submission.status)) {
    // Late event, or one whose first delivery died before settling: finish the bookkeeping only.
    await settleTerminal(ctx, event.status === 'SUCCEEDED' || event.status === 'FAILED' ? runner : undefined, submission.id);
    return 'settled';
  }
  return event.kind === 'inference' ? onInferenceEvent(ctx, runner, submission, event, settings) : onScoringEvent(ctx, runner, submission, event, settings);
}

async function markRunning(ctx: PodiumContext, submission: SubmissionRecord, event: PipelineJobStateEvent): Promise<boolean> {
  const started = await transitionSubmission(ctx, submission.id, {
    to: 'RUNNING',
    from: ['QUEUED'],
    attempt: submission.attempt,
    set: { startedAt: event.at },
  });
  if (started) {
    pipelineMetrics.submissionEntered('RUNNING');
    if (submission.queuedAt) pipelineMetrics.queueWait((Date.parse(event.at) - Date.parse(submission.queuedAt)) / 1000);
  }
  return started;
}

async function onInferenceEvent(
  ctx: PodiumContext,
  runner: JobRunner,
  submission: SubmissionRecord,
  event: PipelineJobStateEvent,
  settings: PipelineSettings,
): Promise<JobEventOutcome> {
  switch (event.status) {
    case 'STARTING':
    case 'RUNNING':
      return (await markRunning(ctx, submission, event)) ? 'advanced' : 'unchanged';
    case 'SUCCEEDED': {
      // RUNNING may not have been seen yet (out of order); both writes are conditional.
      await markRunning(ctx, submission, event);
      const scoring = await transitionSubmission(ctx, submission.id, { to: 'SCORING', from: ['RUNNING'], attempt: submission.attempt });
      if (scoring) pipelineMetrics.submissionEntered('SCORING');
      else await settleTerminal(ctx, runner, submission.id); // cancelled or failed meanwhile
      return scoring ? 'advanced' : 'unchanged';
    }
    case 'FAILED': {
      const runtime = (await phaseOf(ctx, submission)).runtime;
      if (isOutOfMemory(event)) {
        return (await failSubmission(ctx, runner, submission, { reason: 'OUT_OF_MEMORY', message: failureMessages.outOfMemory(runtime) }))
          ? 'failed'
          : 'unchanged';
      }
      if (isTimeout(event)) {
        return (await failSubmission(ctx, runner, submission, { reason: 'TIMEOUT', message: failureMessages.timeout(runtime) })) ? 'failed' : 'unchanged';
      }
      const why =
        event.exitCode === SANDBOX_UNAVAILABLE_EXIT_CODE
          ? SANDBOX_UNAVAILABLE_REASON
          : `inference job ${event.statusReason ?? 'failed'}${event.exitCode !== undefined ? `, exit code ${event.exitCode}` : ''}`;
      return retryAfterPlatformFault(ctx, runner, submission, why, settings);
    }
    default:
      return 'unchanged';
  }
}

async function onScoringEvent(
  ctx: PodiumContext,
  runner: JobRunner,
  submission: SubmissionRecord,
  event: PipelineJobStateEvent,
  settings: PipelineSettings,
): Promise<JobEventOutcome> {
  if (event.status === 'FAILED' && /Dependent Job failed/i.test(event.statusReason ?? '')) return 'unchanged';
  if (event.status !== 'SUCCEEDED' && event.status !== 'FAILED') return 'unchanged';
  // The scoring job moves SCORING → SCORED itself; finishing while the record still says SCORING
  // (or earlier) means it could not, which is the platform's fault.
  const current = await findSubmission(ctx, submission.id);
  if (!current || isTerminal(current.status)) {
    await settleTerminal(ctx, runner, submission.id);
    return 'settled';
  }
  if (current.status !== 'SCORING' || current.attempt !== event.attempt) return 'unchanged';
  const why = `scoring job ${event.status === 'SUCCEEDED' ? 'ended without a score' : (event.statusReason ?? 'failed')}`;
  return retryAfterPlatformFault(ctx, runner, current, why, settings);
}

/**
 * The rescore job records its own outcome; a job that ended without one (killed, timed out, out of
 * memory, crashed) leaves its request FAILED here, with a message that names no internals.
 */
async function onRescoreEvent(ctx: PodiumContext, event: RescoreJobStateEvent): Promise<JobEventOutcome> {
  if (event.status !== 'SUCCEEDED' && event.status !== 'FAILED') return 'unchanged';
  const request = await findRescore(ctx, event.rescoreId);
  if (!request) {
    pipelineLog.warn('job event for an unknown rescore request', { jobId: event.jobId, rescoreId: event.rescoreId });
    return 'ignored';
  }
  if (isFinishedRescore(request.status)) return 'unchanged';
  const message =
    event.status === 'SUCCEEDED'
      ? 'the rescore job ended without recording an outcome; request the rescore again'
      : isOutOfMemory(event)
        ? 'the rescore job ran out of memory; request the rescore again, or rescore fewer submissions at a time'
        : isTimeout(event)
          ? `the rescore job ran past its ${RESCORE_TIMEOUT_SECONDS / 3600} h time limit and was stopped`
          : `the rescore job failed on a platform error${event.exitCode !== undefined ? ` (exit code ${event.exitCode})` : ''}; the scoring job log has ` +
            `the details`;
  return (await failRescore(ctx, event.rescoreId, message, event.jobId)) ? 'failed' : 'unchanged';
}
