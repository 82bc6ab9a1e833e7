import { contextFromEnv } from '#shared/context.ts';
import { FUNCTION_STORAGE } from '../function-storage.ts';
import { notificationChannelFromEnv } from '#shared/notifications/notification-env.ts';
import { jobStateEventFromBatch, type BatchJobStateChange } from '#shared/jobs/batch-job-event.ts';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import { onJobStateChange } from '#shared/pipeline/on-job-state-change.ts';
import { onTrainingJobStateChange, trainingEventFromBatch } from '#shared/training/on-training-job-state.ts';

// Submission outcomes are told to the team: e-mails go through the mail queue its definition binds.
const ctx = { ...contextFromEnv(FUNCTION_STORAGE.jobStateHandler), notifications: notificationChannelFromEnv({ unsubscribeSecret: false }) };
const jobRunner = new BatchJobRunner();

/** EventBridge "Batch Job State Change" → advance the submission or training job. Non-Podium jobs are ignored. */
export const handler = async (event: BatchJobStateChange) => {
  const training = trainingEventFromBatch(event);
  if (training) return { outcome: await onTrainingJobStateChange(ctx, training) };
  const jobEvent = jobStateEventFromBatch(event);
  if (!jobEvent) return { outcome: 'ignored' };
  return { outcome: await onJobStateChange(ctx, jobRunner, jobEvent) };
};
