import { BatchClient, SubmitJobCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { batchNames } from '../jobs/batch-names.ts';
import { JOB_TAGS } from '../jobs/batch-job-runner.ts';
import { fairShareIdentifier } from '../jobs/fair-share.ts';
import { createLogger } from '../logger.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { finishTrainingJob } from './finish-training-job.ts';
import type { TrainingLauncher } from './start-training-job.ts';
import { findTrainingJob } from './training-job-record.ts';
import { TRAINING_SPEC_ENV, trainingRunSpec } from './training-run-spec.ts';

const log = createLogger('pipeline');

/** Staging the data and uploading the outputs, beyond the run's own limit (as the job definition allows). */
const STAGING_SECONDS = 15 * 60;

/** The Batch job name of a training job: `training-<id>-1` (a training job is one attempt; Batch retries only host losses). */
export const trainingBatchJobName = (trainingJobId: string) => `training-${trainingJobId}-1`;

/**
 * Training jobs on AWS Batch: SubmitJob to the phase's training queue and job definition, with the
 * team as fair-share identifier and the run spec in the environment; TerminateJob to stop one.
 * A job Batch refused ends FAILED, charged nothing, rather than waiting QUEUED forever.
 */
export function batchTrainingLauncher(ctx: PodiumContext, client: Pick<BatchClient, 'send'> = new BatchClient({})): TrainingLauncher {
  return {
    async launch(challenge: Challenge, trainingJobId: string) {
      const job = await findTrainingJob(ctx, trainingJobId);
      if (!job) return;
      const spec = trainingRunSpec(challenge, job);
      try {
        const submitted = await client.send(
          new SubmitJobCommand({
            jobName: trainingBatchJobName(job.id),
            jobQueue: batchNames.trainingJobQueue(job.challengeId, job.phaseId),
            jobDefinition: batchNames.trainingJobDefinition(job.challengeId, job.phaseId),
            shareIdentifier: fairShareIdentifier(job.teamId),
            timeout: { attemptDurationSeconds: Math.ceil(spec.runSeconds) + STAGING_SECONDS },
            containerOverrides: { environment: [{ name: TRAINING_SPEC_ENV, value: JSON.stringify(spec) }] },
            tags: { [JOB_TAGS.kind]: 'training', [JOB_TAGS.challenge]: job.challengeId, [JOB_TAGS.phase]: job.phaseId, 'podium:training-job': job.id },
            propagateTags: true,
          }),
        );
        await recordBatchJobId(ctx, job.id, submitted.jobId!);
      } catch (error) {
        log.error('training job not accepted by Batch', { trainingJobId, error: error as Error });
        await finishTrainingJob(ctx, job.id, { end: 'FAILED', runSeconds: 0, message: 'the platform could not queue this job; nothing was charged' });
      }
    },
    async stop(trainingJobId: string) {
      const job = await findTrainingJob(ctx, trainingJobId);
      if (!job?.batchJobId) return;
      // TerminateJob stops a running job and cancels one not started; the job's end event then brings its outputs.
      await client.send(new TerminateJobCommand({ jobId: job.batchJobId, reason: 'cancelled by the team' }));
    },
  };
}

async function recordBatchJobId(ctx: PodiumContext, trainingJobId: string, batchJobId: string): Promise<void> {
  await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.trainingJob(trainingJobId),
      UpdateExpression: 'SET batchJobId = :id',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(batchJobId)',
      ExpressionAttributeValues: { ':id': batchJobId },
    }),
  );
}
