import { archiveLimitsFor } from '../archive/archive-limits.ts';
import { headArchive, sameETag } from '../archive/archive-version.ts';
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
  /**
   * What the S3 event reports; logged when it differs from the recorded version, never trusted:
   * the handler reads size and ETag together with HeadObject, so both describe the one version it
   * validates, whichever of two events arrives first.
   */
  size?: number;
  eTag?: string;
}

/** The part of an S3 event notification record (AWS's, or s3rver's copy of it) the handler reads. */
export interface S3ObjectCreatedRecord {
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
}

/** Maps an S3 notification record to the upload it reports; keys arrive URL-encoded with '+' for spaces. */
export function uploadedObjectOf(record: S3ObjectCreatedRecord): UploadedObject {
  const { bucket, object } = record.s3;
  return {
    bucket: bucket.name,
    key: decodeURIComponent(object.key.replace(/\+/g, ' ')),
    ...(object.size !== undefined ? { size: object.size } : {}),
    ...(object.eTag !== undefined ? { eTag: object.eTag } : {}),
  };
}

export type UploadOutcome = 'ignored' | 'rejected' | 'queued' | 'unchanged';

/**
 * An archive landed in the submissions bucket: CREATED → UPLOADED → VALIDATED | REJECTED → QUEUED
 * with both jobs submitted. Each step is a conditional write, so a duplicate S3 event, or a
 * retry after a crash half-way, resumes where the first stopped and never queues twice. Keys that
 * name no submission, or name another team's or phase's, are ignored and logged.
 *
 * The first event records the archive's size and ETag (CREATED → UPLOADED); validation and the
 * inference job read only that version. The upload URL stays valid until it expires, so a second
 * PUT is possible: its event finds the submission past CREATED and changes nothing, and the
 * pinned reads turn the swapped bytes into ARCHIVE_INVALID instead of running unvalidated code.
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
  if (submission.status === 'CREATED') {
    const version = await headArchive(ctx.s3, upload.bucket, upload.key);
    const set = { archiveBytes: version.bytes, archiveETag: version.eTag };
    if (await transitionSubmission(ctx, submission.id, { to: 'UPLOADED', from: ['CREATED'], set })) {
      pipelineMetrics.submissionEntered('UPLOADED');
    }
    submission = (await findSubmission(ctx, submission.id))!;
  } else if (
    (upload.eTag !== undefined && !sameETag(upload.eTag, submission.archiveETag)) ||
    (upload.size !== undefined && upload.size !== submission.archiveBytes)
  ) {
    pipelineLog.warn('archive uploaded again after it was recorded; the recorded version stays the one that runs', {
      submissionId: submission.id,
      status: submission.status,
    });
  }
  if (submission.status === 'UPLOADED') {
    const phase = await phaseOf(ctx, submission);
    // Records from before ETags were recorded: validate whatever is there now, unpinned.
    const version = submission.archiveETag
      ? { bytes: submission.archiveBytes ?? 0, eTag: submission.archiveETag }
      : await headArchive(ctx.s3, upload.bucket, upload.key);
    const verdict = await judgeArchive(
      { kind: 's3', s3: ctx.s3, bucket: upload.bucket, key: upload.key, size: version.bytes, ...(version.eTag ? { eTag: version.eTag } : {}) },
      archiveLimitsFor(phase),
      version.bytes,
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
    await queueJobs(ctx, runner, { ...submission, status: 'QUEUED' }, settings);
    return 'queued';
  }
  return 'unchanged';
}
