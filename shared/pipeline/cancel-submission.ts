import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { getSubmission, transitionSubmission, type SubmissionRecord } from '../submissions/submission-record.ts';
import { ALLOWED_PREDECESSORS } from '../submissions/submission-status.ts';
import { settleTerminal } from './finish-submission.ts';
import { pipelineMetrics } from './pipeline-metrics.ts';

/**
 * Cancels a submission that has not reached scoring: CANCELLED (refunded), its jobs terminated.
 * Idempotent: cancelling a cancelled submission returns it unchanged. Authorisation is the
 * caller's job (the API checks the team); `by` is recorded.
 *
 * @example await cancelSubmission(ctx, jobRunner, submissionId, user.id)
 */
export async function cancelSubmission(ctx: PodiumContext, runner: JobRunner, submissionId: string, by: string): Promise<SubmissionRecord> {
  await getSubmission(ctx, submissionId); // NOT_FOUND before anything else
  const at = ctx.now().toISOString();
  const cancelled = await transitionSubmission(ctx, submissionId, { to: 'CANCELLED', set: { cancelRequestedAt: at, cancelledBy: by } });
  if (cancelled) pipelineMetrics.submissionEntered('CANCELLED');
  const after = await getSubmission(ctx, submissionId);
  if (after.status !== 'CANCELLED') {
    const cancellable = ALLOWED_PREDECESSORS.CANCELLED.join(', ');
    throw new PodiumError('INVALID_STATE', `submission "${submissionId}" is ${after.status} and can no longer be cancelled (only ${cancellable} can)`, {
      status: after.status,
    });
  }
  // Jobs may have been recorded between our read and the write: cancel what the record holds now.
  return (await settleTerminal(ctx, runner, submissionId)) ?? after;
}
