import { BatchClient, DescribeJobsCommand, SubmitJobCommand, TerminateJobCommand, type JobDetail } from '@aws-sdk/client-batch';
import { jobDefinitionName, jobQueueName } from './batch-names.ts';
import {
  JOB_DEFINITION,
  jobSubjectOf,
  type JobDescription,
  type JobRunner,
  type JobSpec,
  type JobState,
  type JobSubject,
  type PipelineJobKind,
} from './job-runner.ts';

/** Tags every Batch job carries, so events and the console name the submission (or rescore request) and attempt. */
export const JOB_TAGS = {
  submissionId: 'podium:submission',
  rescoreId: 'podium:rescore',
  rerunId: 'podium:rerun',
  trainingJobId: 'podium:training-job',
  attempt: 'podium:attempt',
  kind: 'podium:kind',
  challenge: 'podium:challenge',
  phase: 'podium:phase',
} as const;

/** DescribeJobs accepts at most 100 ids per call. */
const DESCRIBE_BATCH = 100;

/**
 * The JobRunner on AWS Batch. Queue and job definitions are addressed by the deterministic names
 * of `batchNames`, so this needs no configuration beyond a client. The team is the fair-share
 * identifier; the submission's env travels as container overrides, the timeout per job (a rescore
 * runs for hours), and everything else comes from the job definition.
 */
export class BatchJobRunner implements JobRunner {
  constructor(private readonly client: Pick<BatchClient, 'send'> = new BatchClient({})) {}

  async submit(spec: JobSpec): Promise<{ jobId: string }> {
    const definition = JOB_DEFINITION[spec.kind];
    const response = await this.client.send(
      new SubmitJobCommand({
        jobName: spec.name,
        jobQueue: jobQueueName(definition, spec.challengeId, spec.phaseId),
        jobDefinition: jobDefinitionName(definition, spec.challengeId, spec.phaseId),
        shareIdentifier: spec.shareIdentifier,
        ...(spec.dependsOn?.length ? { dependsOn: spec.dependsOn.map((jobId) => ({ jobId })) } : {}),
        timeout: { attemptDurationSeconds: Math.max(60, spec.timeoutSeconds) },
        // Memory, GPUs and the retry strategy are the job definition's (docs/ARCHITECTURE.md, "Job
        // resources and retries"): it is sized from the phase with the container's headroom, and
        // retries in place only host losses (spot reclaim, image pull), never a launcher's exit.
        containerOverrides: {
          environment: Object.entries(spec.environment).map(([name, value]) => ({ name, value })),
        },
        tags: {
          // A rescore job carries no submission tag: its events must never be read as a submission's.
          ...subjectTags(spec),
          [JOB_TAGS.attempt]: String(spec.attempt),
          [JOB_TAGS.kind]: spec.kind,
          [JOB_TAGS.challenge]: spec.challengeId,
          [JOB_TAGS.phase]: spec.phaseId,
        },
        propagateTags: true,
      }),
    );
    if (!response.jobId) throw new Error(`Batch did not return a job id for ${spec.name}`);
    return { jobId: response.jobId };
  }

  async cancel(jobId: string, reason: string): Promise<void> {
    // TerminateJob stops RUNNING jobs and cancels those not started yet.
    await this.client.send(new TerminateJobCommand({ jobId, reason: reason.slice(0, 256) }));
  }

  async describe(jobIds: string[]): Promise<JobDescription[]> {
    const found: JobDescription[] = [];
    for (let i = 0; i < jobIds.length; i += DESCRIBE_BATCH) {
      const response = await this.client.send(new DescribeJobsCommand({ jobs: jobIds.slice(i, i + DESCRIBE_BATCH) }));
      for (const job of response.jobs ?? []) found.push(describeBatchJob(job));
    }
    return found;
  }
}

function describeBatchJob(job: JobDetail): JobDescription {
  const attempt = job.attempts?.at(-1);
  const exitCode = job.container?.exitCode ?? attempt?.container?.exitCode;
  const containerReason = job.container?.reason ?? attempt?.container?.reason;
  return {
    jobId: job.jobId!,
    status: job.status as JobState,
    ...(job.statusReason ? { statusReason: job.statusReason } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(containerReason ? { containerReason } : {}),
  };
}

/**
 * Splits `<kind>-<id>-<attempt>` (see `jobName`); ids may contain dashes. The kind prefix decides
 * whether the id is a submission's or a rescore request's.
 */
export function parseJobName(name: string): (JobSubject & { attempt: number }) | undefined {
  const match = /^(inference|scoring|rescore|rerun|compare)-([A-Za-z0-9_-]+)-(\d+)$/.exec(name);
  if (!match) return undefined;
  const [kind, id, attempt] = [match[1]!, match[2]!, Number(match[3])];
  if (kind === 'rescore') return { kind, rescoreId: id, attempt };
  if (kind === 'rerun' || kind === 'compare') return { kind, rerunId: id, attempt };
  return { kind: kind as PipelineJobKind, submissionId: id, attempt };
}

/** A rescore or rerun job carries no submission tag: its events must never be read as a submission's. */
function subjectTags(spec: JobSpec): Record<string, string> {
  const subject = jobSubjectOf(spec);
  if (subject.kind === 'rescore') return { [JOB_TAGS.rescoreId]: subject.rescoreId };
  if (subject.kind === 'training') return { [JOB_TAGS.trainingJobId]: subject.trainingJobId };
  if ('rerunId' in subject) return { [JOB_TAGS.rerunId]: subject.rerunId };
  return { [JOB_TAGS.submissionId]: subject.submissionId };
}
