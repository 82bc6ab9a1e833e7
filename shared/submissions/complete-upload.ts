import { CompleteMultipartUploadCommand } from '@aws-sdk/client-s3';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { getSubmission, type SubmissionRecord } from './submission-record.ts';

/**
 * Completes a multipart archive upload server-side. S3 (and s3rver) then emit the object-created
 * event that starts the pipeline, exactly as for a presigned POST; the pipeline checks the
 * archive's real size against the phase's maximum. Completing twice returns the submission.
 */
export async function completeArchiveUpload(
  ctx: PodiumContext,
  submission: SubmissionRecord,
  parts: { partNumber: number; etag: string }[],
): Promise<SubmissionRecord> {
  if (!submission.multipartUploadId) {
    throw new PodiumError('INVALID_STATE', `submission "${submission.id}" was created for a single POST upload, not a multipart one`);
  }
  if (submission.status !== 'CREATED') return submission;
  const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  try {
    await ctx.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: ctx.config.submissionsBucket,
        Key: submission.archiveKey,
        UploadId: submission.multipartUploadId,
        MultipartUpload: { Parts: ordered.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
      }),
    );
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NoSuchUpload') {
      const current = await getSubmission(ctx, submission.id);
      if (current.status !== 'CREATED') return current;
      throw new PodiumError('INVALID_STATE', `the upload of submission "${submission.id}" was already completed or aborted`);
    }
    if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall') {
      throw new PodiumError('VALIDATION_FAILED', `parts: S3 refused the parts (${name}); send every part's number and the ETag its upload returned`, {
        issues: [{ field: 'parts', message: name }],
      });
    }
    throw error;
  }
  return getSubmission(ctx, submission.id);
}
