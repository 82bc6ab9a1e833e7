import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { archiveLimitsFor } from '../archive/archive-limits.ts';
import { judgeArchive } from '../archive/inspect-archive.ts';
import type { PodiumContext } from '../context.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { parseSubmissionArchiveKey } from '../storage/object-keys.ts';
import { findSubmission, transitionSubmission } from '../submissions/submission-record.ts';
import { phaseOf, settleTerminal } from './finish-submission.ts';
import { pipelineLog } from './pipeline-log.ts';
import { pipelineMetrics } from './pipeline-metrics.ts';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from './pipeline-settings.ts';
import { queueJobs } from './queue-jobs.ts';

export interface UploadedObject {
  bucket: string;
  key: string;
  /** From the S3 event; read with HeadObject when absent (API completion, reconciler). */
  size?: number;
}

export type UploadOutcome = 'ignored' | 'rejected' | 'queued' | 'unchanged';

/**
 * An archive landed in the submissions bucket: CREATED → UPLOADED → VALIDATED | REJECTED → QUEUED
 * with both jobs submitted. Each step is a conditional write, so a duplicate S3 event, or a
 * retry after a crash half-way, resumes where the first stopped and never queues twice. Keys that
 * name no submission, or name another team's or phase's, are ignored and logged.
 */
export async function onArchiveUploaded(
  ctx: PodiumContext,
  runner: JobRunner,
  upload: UploadedObject,
  settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
): Promise<UploadOutcome> {
  const parsed = parseSubmissionArchiveKey(upload.key);
  if (upload.bucket !== ctx.config.submissionsBucket || !parsed) {
    pipelineLog.warn('upload ignored: not a submission archive key', { bucket: upload.bucket, key: upload.key });
    return 'ignored';
  }
  let submission = await findSubmission(ctx, parsed.submissionId);
  if (
    !submission ||
    submission.archiveKey !== upload.key ||
    submission.teamId !== parsed.teamId ||
    submission.phaseId !== parsed.phaseId ||
    submission.challengeId !== parsed.challengeId
  ) {
    pipelineLog.warn('upload ignored: no submission owns this key', { key: upload.key, submissionId: parsed.submissionId });
    return 'ignored';
  }
  const size = upload.size ?? (await archiveSize(ctx, upload));
  if (submission.status === 'CREATED') {
    if (await transitionSubmission(ctx, submission.id, { to: 'UPLOADED', from: ['CREATED'], set: { archiveBytes: size } })) {
      pipelineMetrics.submissionEntered('UPLOADED');
    }
    submission = (await findSubmission(ctx, submission.id))!;
  }
  if (submission.status === 'UPLOADED') {
    const phase = await phaseOf(ctx, submission);
    const verdict = await judgeArchive(
      { kind: 's3', s3: ctx.s3, bucket: upload.bucket, key: upload.key, size },
      archiveLimitsFor(phase),
      size,
    );
    if (!verdict.ok) {
      const failure = { reason: verdict.reason, message: verdict.message };
      if (await transitionSubmission(ctx, submission.id, { to: 'REJECTED', from: ['UPLOADED'], set: { failure } })) {
        pipelineMetrics.submissionEntered('REJECTED');
        pipelineLog.info('archive rejected', { submissionId: submission.id, reason: verdict.reason });
      }
      await settleTerminal(ctx, runner, submission.id);
      return 'rejected';
    }
    if (await transitionSubmission(ctx, submission.id, { to: 'VALIDATED', from: ['UPLOADED'] })) pipelineMetrics.submissionEntered('VALIDATED');
    submission = (await findSubmission(ctx, submission.id))!;
  }
  if (submission.status === 'VALIDATED') {
    // Claim the queueing first: of two racing handlers, only the one whose write wins submits jobs.
    const claimed = await transitionSubmission(ctx, submission.id, { to: 'QUEUED', from: ['VALIDATED'], attempt: submission.attempt });
    if (!claimed) return 'unchanged';
    pipelineMetrics.submissionEntered('QUEUED');
    await queueJobs(ctx, runner, { ...submission, status: 'QUEUED' }, await phaseOf(ctx, submission), settings);
    return 'queued';
  }
  return 'unchanged';
}

async function archiveSize(ctx: PodiumContext, upload: UploadedObject): Promise<number> {
  const head = await ctx.s3.send(new HeadObjectCommand({ Bucket: upload.bucket, Key: upload.key }));
  return head.ContentLength ?? 0;
}
