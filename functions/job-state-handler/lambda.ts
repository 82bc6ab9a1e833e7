import { contextFromEnv } from '#shared/context.ts';
import { FUNCTION_STORAGE } from '../function-storage.ts';
import { jobStateEventFromBatch, type BatchJobStateChange } from '#shared/jobs/batch-job-event.ts';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import { onJobStateChange } from '#shared/pipeline/on-job-state-change.ts';

const ctx = contextFromEnv(FUNCTION_STORAGE.jobStateHandler);
const jobRunner = new BatchJobRunner();

/** EventBridge "Batch Job State Change" → advance the submission. Non-Podium jobs are ignored. */
export const handler = async (event: BatchJobStateChange) => {
  const jobEvent = jobStateEventFromBatch(event);
  if (!jobEvent) return { outcome: 'ignored' };
  return { outcome: await onJobStateChange(ctx, jobRunner, jobEvent) };
};
