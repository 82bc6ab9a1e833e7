import { listChallenges } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import type { JobDescription, JobRunner, PipelineJobKind } from '../jobs/job-runner.ts';
import { queryItems } from '../storage/query-all.ts';
import { ACTIVE_SUBMISSIONS_INDEX, BY_PHASE_INDEX } from '../storage/table-design.ts';
import { ACTIVE_PARTITION, phaseSubmissionsPartition, transitionSubmission, type SubmissionRecord } from '../submissions/submission-record.ts';
import { TERMINAL_STATUSES } from '../submissions/submission-status.ts';
import { failureMessages } from './failure-messages.ts';
import { cancelJobs, failSubmission, phaseOf, retryAfterPlatformFault, settleTerminal } from './finish-submission.ts';
import { onArchiveUploaded } from './on-archive-uploaded.ts';
import { onJobStateChange } from './on-job-state-change.ts';
import { pipelineLog } from './pipeline-log.ts';
import { pipelineMetrics } from './pipeline-metrics.ts';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from './pipeline-settings.ts';
import { queueJobs } from './queue-jobs.ts';

export interface ReconcileReport {
  examined: number;
  /** Submission id → what was done. */
  repaired: Record<string, string>;
  settled: number;
}

/**
 * Repairs what lost events and crashes leave behind. Reads only the sparse index of non-terminal
 * submissions; for each one that sat still longer than it should, asks the job runner for the
 * truth and replays it through the same handlers the events use. Then settles the quota of
 * recently finished submissions whose settlement was interrupted. Safe to run concurrently
 * with events and with itself: every change is a conditional write.
 */
export async function reconcile(ctx: PodiumContext, runner: JobRunner, settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS): Promise<ReconcileReport> {
  const report: ReconcileReport = { examined: 0, repaired: {}, settled: 0 };
  for await (const submission of activeSubmissions(ctx)) {
    report.examined++;
    try {
      const action = await reconcileOne(ctx, runner, submission, settings);
      if (action) report.repaired[submission.id] = action;
    } catch (error) {
      pipelineLog.error('reconciling a submission failed', { submissionId: submission.id, error: String(error) });
    }
  }
  report.settled = await settleInterrupted(ctx, runner, settings);
  pipelineMetrics.stuckSubmissions(Object.keys(report.repaired).length);
  if (Object.keys(report.repaired).length > 0) pipelineLog.info('reconciler repaired submissions', { repaired: report.repaired });
  return report;
}

function activeSubmissions(ctx: PodiumContext): AsyncGenerator<SubmissionRecord> {
  return queryItems<SubmissionRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    IndexName: ACTIVE_SUBMISSIONS_INDEX.name,
    KeyConditionExpression: '#pk = :active',
    ExpressionAttributeNames: { '#pk': ACTIVE_SUBMISSIONS_INDEX.partition },
    ExpressionAttributeValues: { ':active': ACTIVE_PARTITION },
  });
}

const secondsSince = (ctx: PodiumContext, iso: string | undefined) => (iso ? (ctx.now().getTime() - Date.parse(iso)) / 1000 : Infinity);

async function reconcileOne(ctx: PodiumContext, runner: JobRunner, submission: SubmissionRecord, settings: PipelineSettings): Promise<string | undefined> {
  const idle = secondsSince(ctx, submission.updatedAt);
  switch (submission.status) {
    case 'CREATED': {
      if (secondsSince(ctx, submission.createdAt) < settings.uploadUrlExpirySeconds + settings.graceSeconds) return undefined;
      const abandoned = await transitionSubmission(ctx, submission.id, {
        to: 'CANCELLED',
        from: ['CREATED'],
        set: { cancelRequestedAt: ctx.now().toISOString(), cancelledBy: 'system: no archive was uploaded before the upload URL expired' },
      });
      await settleTerminal(ctx, runner, submission.id);
      return abandoned ? 'abandoned: never uploaded' : undefined;
    }
    case 'UPLOADED':
    case 'VALIDATED': {
      if (idle < settings.graceSeconds) return undefined;
      const outcome = await onArchiveUploaded(ctx, runner, { bucket: ctx.config.submissionsBucket, key: submission.archiveKey }, settings);
      return `upload handling resumed: ${outcome}`;
    }
    case 'QUEUED':
    case 'RUNNING':
    case 'SCORING':
      return reconcileJobs(ctx, runner, submission, idle, settings);
    default:
      return undefined;
  }
}

async function reconcileJobs(
  ctx: PodiumContext,
  runner: JobRunner,
  submission: SubmissionRecord,
  idle: number,
  settings: PipelineSettings,
): Promise<string | undefined> {
  const jobs = submission.jobs ?? {};
  if (!jobs.inference || !jobs.scoring) {
    if (idle < settings.graceSeconds || submission.status !== 'QUEUED') return undefined;
    const queued = await queueJobs(ctx, runner, submission, settings);
    return queued ? 'jobs were never submitted: submitted now' : undefined;
  }
  const described = new Map((await runner.describe([jobs.inference, jobs.scoring])).map((job) => [job.jobId, job]));
  const inference = described.get(jobs.inference);
  const scoring = described.get(jobs.scoring);
  if (!inference || !scoring) {
    // The runner forgot the jobs (a restarted local stack, Batch's retention expired): the platform's fault.
    const result = await retryAfterPlatformFault(ctx, runner, submission, 'the job runner lost the jobs', settings);
    return `jobs unknown to the runner: ${result}`;
  }
  // Replay the runner's truth through the event handler, as if the lost events had arrived.
  const replay = async (kind: PipelineJobKind, job: JobDescription) =>
    onJobStateChange(
      ctx,
      runner,
      {
        jobId: job.jobId,
        jobName: `${kind}-${submission.id}-${submission.attempt}`,
        kind,
        submissionId: submission.id,
        attempt: submission.attempt,
        status: job.status,
        ...(job.statusReason !== undefined ? { statusReason: job.statusReason } : {}),
        ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}),
        ...(job.containerReason !== undefined ? { containerReason: job.containerReason } : {}),
        at: ctx.now().toISOString(),
      },
      settings,
    );
  const finished = (job: JobDescription) => job.status === 'SUCCEEDED' || job.status === 'FAILED';
  if (submission.status === 'QUEUED' && (inference.status === 'RUNNING' || finished(inference)))
    return `inference ${inference.status}: ${await replay('inference', inference)}`;
  if (submission.status === 'RUNNING' && finished(inference)) return `inference ${inference.status}: ${await replay('inference', inference)}`;
  if (submission.status === 'SCORING' && finished(scoring)) return `scoring ${scoring.status}: ${await replay('scoring', scoring)}`;
  // Still running according to the runner, but for longer than any run may take: stop it.
  const runtime = (await phaseOf(ctx, submission)).runtime;
  if (submission.status === 'RUNNING' && idle > runtime.timeLimitSeconds + settings.setupAllowanceSeconds + settings.graceSeconds) {
    await cancelJobs(runner, submission, 'stuck past the time limit');
    const failed = await failSubmission(ctx, runner, submission, { reason: 'TIMEOUT', message: failureMessages.timeout(runtime) }, ['RUNNING']);
    return failed ? 'stuck past the time limit: TIMEOUT' : undefined;
  }
  if (submission.status === 'SCORING' && idle > 900 + settings.graceSeconds) {
    return `scoring stuck: ${await retryAfterPlatformFault(ctx, runner, submission, 'scoring did not finish', settings)}`;
  }
  return undefined;
}

/** Terminal submissions of the last days whose quota was never settled (the settling call died). */
async function settleInterrupted(ctx: PodiumContext, runner: JobRunner, settings: PipelineSettings): Promise<number> {
  const since = new Date(ctx.now().getTime() - settings.settlementLookbackSeconds * 1000).toISOString();
  let settled = 0;
  for (const challenge of await listChallenges(ctx)) {
    for (const phase of challenge.phases) {
      const unsettled = queryItems<SubmissionRecord>(ctx.db, {
        TableName: ctx.config.tableName,
        IndexName: BY_PHASE_INDEX.name,
        KeyConditionExpression: '#pk = :phase AND #sk >= :since',
        FilterExpression: 'attribute_not_exists(quotaSettledAt) AND #status IN (:s0, :s1, :s2, :s3)',
        ExpressionAttributeNames: { '#pk': BY_PHASE_INDEX.partition, '#sk': BY_PHASE_INDEX.sort, '#status': 'status' },
        ExpressionAttributeValues: {
          ':phase': phaseSubmissionsPartition(challenge.id, phase.id),
          ':since': since,
          ...Object.fromEntries(TERMINAL_STATUSES.map((status, index) => [`:s${index}`, status])),
        },
      });
      for await (const before of unsettled) {
        const after = await settleTerminal(ctx, runner, before.id);
        if (after && !before.quotaSettledAt) settled++;
      }
    }
  }
  return settled;
}
