import { contextFromEnv } from '#shared/context.ts';
import { FUNCTION_STORAGE } from '../function-storage.ts';
import { notificationChannelFromEnv } from '#shared/notifications/notification-env.ts';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import { reconcile } from '#shared/pipeline/reconcile.ts';

// Submission outcomes are told to the team: e-mails go through the mail queue its definition binds.
const ctx = { ...contextFromEnv(FUNCTION_STORAGE.reconciler), notifications: notificationChannelFromEnv({ unsubscribeSecret: false }) };
const jobRunner = new BatchJobRunner();

/** Scheduled (EventBridge rate): repair submissions that lost an event or a handler run. */
export const handler = async () => reconcile(ctx, jobRunner);
