import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { BatchJobRunner } from '../jobs/batch-job-runner.ts';
import { fairShareIdentifier } from '../jobs/fair-share.ts';
import { jobName, type JobRunner, type JobSpec } from '../jobs/job-runner.ts';
import { createLogger } from '../logger.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { finishTrainingJob } from './finish-training-job.ts';
import type { TrainingLauncher } from './start-training-job.ts';
import { findTrainingJob, type TrainingJobRecord } from './training-job-record.ts';
import { TRAINING_SPEC_ENV, trainingRunSpec } from './training-run-spec.ts';

const log = createLogger('pipeline');

/** Staging the data and uploading the outputs, beyond the run's own limit (as the job definition allows). */
const STAGING_SECONDS = 15 * 60;

/** The Batch job name of a training job: `training-<id>-1` (a training job is one attempt; Batch retries only host losses). */
export const trainingBatchJobName = (trainingJobId: string) => jobName('training', trainingJobId, 1);

/**
 * The job a training job is submitted as: the phase's training job definition and queue, the team
 * as fair-share identifier, the run spec as the one variable SubmitJob sets, and the job's own
 * time limit (its budget's hold, plus staging). Memory and GPUs are the job definition's.
 */
export function trainingJobSpec(challenge: Challenge, job: TrainingJobRecord): JobSpec {
  const spec = trainingRunSpec(challenge, job);
  return {
    kind: 'training',
    trainingJobId: job.id,
    name: trainingBatchJobName(job.id),
    challengeId: job.challengeId,
    phaseId: job.phaseId,
    attempt: 1,
    shareIdentifier: fairShareIdentifier(job.teamId),
    timeoutSeconds: Math.ceil(spec.runSeconds) + STAGING_SECONDS,
    memoryMiB: spec.training.memoryMiB,
    gpus: spec.training.gpus,
    environment: { [TRAINING_SPEC_ENV]: JSON.stringify(spec) },
  };
}

/**
 * Training jobs on a job runner with Batch's semantics: AWS Batch itself (BatchJobRunner: SubmitJob
 * to the phase's training queue and job definition, TerminateJob to stop one), or the local job
 * runner, which runs the same job definition under its role. A job the runner refused ends FAILED,
 * charged nothing, rather than waiting QUEUED forever.
 */
export function batchTrainingLauncher(ctx: PodiumContext, runner: JobRunner = new BatchJobRunner()): TrainingLauncher {
  return {
    async launch(challenge: Challenge, trainingJobId: string) {
      const job = await findTrainingJob(ctx, trainingJobId);
      if (!job) return;
      try {
        const submitted = await runner.submit(trainingJobSpec(challenge, job));
        await recordBatchJobId(ctx, job.id, submitted.jobId);
      } catch (error) {
        log.error('training job not accepted by Batch', { trainingJobId, error: error as Error });
        await finishTrainingJob(ctx, job.id, { end: 'FAILED', runSeconds: 0, message: 'the platform could not queue this job; nothing was charged' });
      }
    },
    async stop(trainingJobId: string) {
      const job = await findTrainingJob(ctx, trainingJobId);
      if (!job?.batchJobId) return;
      // TerminateJob: SIGTERM, then SIGKILL 30 s later; the launcher keeps outputs/ and the job's end event brings them.
      await runner.cancel(job.batchJobId, 'cancelled by the team');
    },
  };
}

/** The runner's id of the job; a job queued again after a local restart (the runner forgot it) replaces the old one. */
async function recordBatchJobId(ctx: PodiumContext, trainingJobId: string, batchJobId: string): Promise<void> {
  await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.trainingJob(trainingJobId),
      UpdateExpression: 'SET batchJobId = :id',
      ConditionExpression: 'attribute_exists(pk) AND #status IN (:queued, :running)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':id': batchJobId, ':queued': 'QUEUED', ':running': 'RUNNING' },
    }),
  );
}
