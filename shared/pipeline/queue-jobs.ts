import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { jobName, type JobRunner, type JobSpec } from '../jobs/job-runner.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import { pipelineLog } from './pipeline-log.ts';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from './pipeline-settings.ts';

/** Environment variables every pipeline job reads to know what it works on. */
export const JOB_ENV = { submissionId: 'PODIUM_SUBMISSION_ID', attempt: 'PODIUM_ATTEMPT' } as const;

/** Scoring is trusted, CPU-only and small; only the inference job gets the phase's runtime resources. */
const SCORING_RESOURCES = { timeoutSeconds: 900, memoryMiB: 2048, gpus: 0 };

/** The two jobs of one attempt: inference (the competitor's code), then scoring, which depends on it. */
export function buildJobSpecs(
  submission: SubmissionRecord,
  phase: PhaseDefinition,
  attempt: number,
  settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
): { inference: JobSpec; scoring: Omit<JobSpec, 'dependsOn'> } {
  const common = {
    challengeId: submission.challengeId,
    phaseId: submission.phaseId,
    submissionId: submission.id,
    attempt,
    shareIdentifier: submission.teamId,
    environment: { [JOB_ENV.submissionId]: submission.id, [JOB_ENV.attempt]: String(attempt) },
  };
  return {
    inference: {
      ...common,
      kind: 'inference',
      name: jobName('inference', submission.id, attempt),
      timeoutSeconds: phase.runtime.timeLimitSeconds + settings.setupAllowanceSeconds,
      memoryMiB: phase.runtime.memoryMiB,
      gpus: phase.runtime.gpus,
    },
    scoring: { ...common, kind: 'scoring', name: jobName('scoring', submission.id, attempt), ...SCORING_RESOURCES },
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
  phase: PhaseDefinition,
  settings: PipelineSettings = DEFAULT_PIPELINE_SETTINGS,
): Promise<{ inference: string; scoring: string } | undefined> {
  const specs = buildJobSpecs(submission, phase, submission.attempt, settings);
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
