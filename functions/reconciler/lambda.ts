import { contextFromEnv } from '#shared/context.ts';
import { FUNCTION_STORAGE } from '../function-storage.ts';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import { reconcile } from '#shared/pipeline/reconcile.ts';

const ctx = contextFromEnv(FUNCTION_STORAGE.reconciler);
const jobRunner = new BatchJobRunner();

/** Scheduled (EventBridge rate): repair submissions that lost an event or a handler run. */
export const handler = async () => reconcile(ctx, jobRunner);
