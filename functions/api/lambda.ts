import type { Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { contextFromEnv } from '#shared/context.ts';
import { FUNCTION_STORAGE } from '../function-storage.ts';
import { notificationChannelFromEnv } from '#shared/notifications/notification-env.ts';
import { tokenVerifierFromEnv } from '#shared/identity/token-verifier.ts';
import { lazyJobRunner } from '#shared/jobs/lazy-job-runner.ts';
import type { TrainingLauncher } from '#shared/training/start-training-job.ts';
import { apiLog } from './api-log.ts';
import { createApp } from './app.ts';

// Built once per container and reused across warm invocations; bad configuration fails the init.
// The API uses the job runner rarely (cancels, rescore jobs), so the Batch client is a chunk loaded on first use.
const jobRunner = lazyJobRunner(async () => new (await import('#shared/jobs/batch-job-runner.ts')).BatchJobRunner());
// Notifications queue e-mails; the unsubscribe route verifies links with the secret (both bound by the definition).
// The SQS and Secrets Manager clients are chunks loaded by the first e-mail queued and the first link verified.
const ctx = { ...contextFromEnv(FUNCTION_STORAGE.api), notifications: notificationChannelFromEnv({ unsubscribeSecret: true }) };
// Training jobs go to the phase's training queue (SubmitJob, TerminateJob), also loaded on first use.
let trainingBatch: Promise<TrainingLauncher> | undefined;
const onBatch = () => (trainingBatch ??= import('#shared/training/batch-training-launcher.ts').then((module) => module.batchTrainingLauncher(ctx)));
const trainingLauncher: TrainingLauncher = {
  launch: async (challenge, trainingJobId) => (await onBatch()).launch(challenge, trainingJobId),
  stop: async (trainingJobId) => (await onBatch()).stop(trainingJobId),
};
const app = createApp({ ctx, verifier: tokenVerifierFromEnv(), jobRunner, trainingLauncher });

const handleRequest = handle(app);

export const handler = (event: Parameters<typeof handleRequest>[0], context: Context) => {
  // Every log line of this invocation carries the request id and function name.
  apiLog.addContext(context);
  return handleRequest(event, context);
};
