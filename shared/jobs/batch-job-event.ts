import type { JobState, JobStateEvent, JobSubject } from './job-runner.ts';
import { JOB_TAGS, parseJobName } from './batch-job-runner.ts';

/** The part of EventBridge's "Batch Job State Change" event the pipeline reads. */
export interface BatchJobStateChange {
  'detail-type': string;
  source: string;
  time: string;
  detail: {
    jobId: string;
    jobName: string;
    status: string;
    statusReason?: string;
    tags?: Record<string, string>;
    container?: { exitCode?: number; reason?: string };
    attempts?: { container?: { exitCode?: number; reason?: string } }[];
    /** Epoch milliseconds of the container's start and stop, once it ran. */
    startedAt?: number;
    stoppedAt?: number;
  };
}

/**
 * Maps Batch's state-change event to a JobStateEvent, or undefined for a job that is not a
 * Podium pipeline job. Tags are preferred; the job name is the fallback (tags are missing on
 * events of jobs submitted before tagging, and names are deterministic).
 */
export function jobStateEventFromBatch(event: BatchJobStateChange): JobStateEvent | undefined {
  const { detail } = event;
  const fromName = parseJobName(detail.jobName);
  const tags = detail.tags ?? {};
  const subject = subjectOf(tags, fromName);
  const attempt = Number(tags[JOB_TAGS.attempt] ?? fromName?.attempt);
  if (!subject || !Number.isInteger(attempt)) return undefined;
  const lastAttempt = detail.attempts?.at(-1)?.container;
  const exitCode = detail.container?.exitCode ?? lastAttempt?.exitCode;
  const containerReason = detail.container?.reason ?? lastAttempt?.reason;
  return {
    jobId: detail.jobId,
    jobName: detail.jobName,
    ...subject,
    attempt,
    status: detail.status as JobState,
    ...(detail.statusReason ? { statusReason: detail.statusReason } : {}),
    ...(exitCode !== undefined && exitCode !== null ? { exitCode } : {}),
    ...(containerReason ? { containerReason } : {}),
    at: event.time,
  };
}

/** The kind decides which id is read: a rescore job's event never names a submission. */
function subjectOf(tags: Record<string, string>, fromName: JobSubject | undefined): JobSubject | undefined {
  const kind = tags[JOB_TAGS.kind] ?? fromName?.kind;
  if (kind === 'rescore') {
    const rescoreId = tags[JOB_TAGS.rescoreId] ?? (fromName?.kind === 'rescore' ? fromName.rescoreId : undefined);
    return rescoreId ? { kind, rescoreId } : undefined;
  }
  if (kind === 'rerun' || kind === 'compare') {
    const rerunId = tags[JOB_TAGS.rerunId] ?? (fromName && 'rerunId' in fromName ? fromName.rerunId : undefined);
    return rerunId ? { kind, rerunId } : undefined;
  }
  if (kind !== 'inference' && kind !== 'scoring') return undefined;
  const submissionId = tags[JOB_TAGS.submissionId] ?? (fromName && 'submissionId' in fromName ? fromName.submissionId : undefined);
  return submissionId ? { kind, submissionId } : undefined;
}
