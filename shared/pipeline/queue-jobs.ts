import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import { fairShareIdentifier } from '../jobs/fair-share.ts';
import { jobName, type JobRunner, type JobSpec, type PipelineJobSpec } from '../jobs/job-runner.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import { pipelineLog } from './pipeline-log.ts';
import { inferenceRunSpec, RUN_SPEC_ENV } from './inference-run-spec.ts';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from './pipeline-settings.ts';

/**
 * Environment variables every job reads to know what it works on. The scoring image runs a
 * rescore request instead of a submission's scoring when `rescoreId` is set.
 */
export const JOB_ENV = { submissionId: 'PODIUM_SUBMISSION_ID', attempt: 'PODIUM_ATTEMPT', rescoreId: 'PODIUM_RESCORE_ID', rerunId: 'PODIUM_RERUN_ID' } as const;

/** Scoring is trusted, CPU-only and small; only the inference job gets the phase's runtime resources. */
const SCORING_RESOURCES = { timeoutSeconds: 900, memoryMiB: 2048, gpus: 0 };
/** A phase rescore scores every scored submission in turn: give it hours, not scoring's 15 minutes. */
export const RESCORE_TIMEOUT_SECONDS = 6 * 3600;
/** Fair-share identifier of rescore jobs: organiser work, apart from every team's share (Batch allows only alphanumerics). */
const RESCORE_SHARE = 'rescore';

/** The two jobs of one attempt: inference (the competitor's code), then scoring, which depends on it. */
export function buildJobSpecs(
  challenge: Challenge,
  submission: SubmissionRecord,
  attempt: number,
  settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
): { inference: PipelineJobSpec; scoring: Omit<PipelineJobSpec, 'dependsOn'> } {
  const spec = inferenceRunSpec(challenge, submission, attempt);
  const common = {
    challengeId: submission.challengeId,
    phaseId: submission.phaseId,
    submissionId: submission.id,
    attempt,
    shareIdentifier: fairShareIdentifier(submission.teamId),
    environment: { [JOB_ENV.submissionId]: submission.id, [JOB_ENV.attempt]: String(attempt) },
  };
  return {
    inference: {
      ...common,
      // The launcher holds no table credentials: all it needs to know travels with the job.
      environment: { ...common.environment, [RUN_SPEC_ENV]: JSON.stringify(spec) },
      kind: 'inference',
      name: jobName('inference', submission.id, attempt),
      timeoutSeconds: spec.runtime.timeLimitSeconds + settings.setupAllowanceSeconds,
      memoryMiB: spec.runtime.memoryMiB,
      gpus: spec.runtime.gpus,
    },
    scoring: { ...common, kind: 'scoring', name: jobName('scoring', submission.id, attempt), ...SCORING_RESOURCES },
  };
}

/** The job that runs one rescore request in the phase's scoring image, under the scoring role. */
export function buildRescoreJobSpec(request: { rescoreId: string; challengeId: string; phaseId: string }): JobSpec {
  const attempt = 1;
  return {
    kind: 'rescore',
    name: jobName('rescore', request.rescoreId, attempt),
    rescoreId: request.rescoreId,
    challengeId: request.challengeId,
    phaseId: request.phaseId,
    attempt,
    shareIdentifier: RESCORE_SHARE,
    ...SCORING_RESOURCES,
    timeoutSeconds: RESCORE_TIMEOUT_SECONDS,
    environment: { [JOB_ENV.rescoreId]: request.rescoreId },
  };
}

/**
 * Submits the inference and scoring jobs of the submission's current attempt and records their ids
 * with one conditional write. When the write loses (a racing duplicate recorded its own jobs, or
 * the submission was cancelled meanwhile), the jobs just submitted are cancelled again, so an
 * attempt never runs twice.
 */
export async function queueJobs(
  ctx: PodiumContext,
  runner: JobRunner,
  submission: SubmissionRecord,
  settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
): Promise<{ inference: string; scoring: string } | undefined> {
  const specs = buildJobSpecs(await getChallenge(ctx, submission.challengeId), submission, submission.attempt, settings);
  const inference = await runner.submit(specs.inference);
  const scoring = await runner.submit({ ...specs.scoring, dependsOn: [inference.jobId] });
  const jobs = { inference: inference.jobId, scoring: scoring.jobId };
  const recorded = await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.submission(submission.id),
      UpdateExpression: 'SET jobs = :jobs, queuedAt = :at',
      ConditionExpression: 'attempt = :attempt AND #status IN (:queued, :running, :scoring) AND attribute_not_exists(jobs.inference)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':jobs': jobs,
        ':at': ctx.now().toISOString(),
        ':attempt': submission.attempt,
        ':queued': 'QUEUED',
        ':running': 'RUNNING',
        ':scoring': 'SCORING',
      },
    }),
  );
  if (recorded) return jobs;
  pipelineLog.info('jobs not recorded: another attempt or a cancel won; cancelling them', { submissionId: submission.id, jobs });
  await Promise.all([runner.cancel(scoring.jobId, 'superseded'), runner.cancel(inference.jobId, 'superseded')]);
  return undefined;
}
