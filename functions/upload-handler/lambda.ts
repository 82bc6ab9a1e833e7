import type { S3Event } from 'aws-lambda';
import { contextFromEnv } from '#shared/context.ts';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import { onArchiveUploaded } from '#shared/pipeline/on-archive-uploaded.ts';

// Built once per container and reused across warm invocations.
const ctx = contextFromEnv();
const jobRunner = new BatchJobRunner();

/** S3 ObjectCreated on the submissions bucket → validate the archive and queue its jobs. */
export const handler = async (event: S3Event) => {
  for (const record of event.Records) {
    // S3 event keys are URL-encoded with '+' for spaces.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    await onArchiveUploaded(ctx, jobRunner, { bucket: record.s3.bucket.name, key, size: record.s3.object.size });
  }
};
