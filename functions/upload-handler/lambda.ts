import type { S3Event } from 'aws-lambda';
import { contextFromEnv } from '#shared/context.ts';
import { FUNCTION_STORAGE } from '../function-storage.ts';
import { notificationChannelFromEnv } from '#shared/notifications/notification-env.ts';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import { onArchiveUploaded, uploadedObjectOf } from '#shared/pipeline/on-archive-uploaded.ts';

// Built once per container and reused across warm invocations.
// Submission outcomes are told to the team: e-mails go through the mail queue its definition binds.
const ctx = { ...contextFromEnv(FUNCTION_STORAGE.uploadHandler), notifications: notificationChannelFromEnv({ unsubscribeSecret: false }) };
const jobRunner = new BatchJobRunner();

/** S3 ObjectCreated on the submissions bucket → validate the archive and queue its jobs. */
export const handler = async (event: S3Event) => {
  for (const record of event.Records) await onArchiveUploaded(ctx, jobRunner, uploadedObjectOf(record));
};
