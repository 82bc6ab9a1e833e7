import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import type { SubmissionRecord } from './submission-record.ts';

/** Short: the team asks again for a new link, and a leaked one is soon useless. */
export const ARCHIVE_DOWNLOAD_SECONDS = 5 * 60;

export interface ArchiveDownload {
  url: string;
  expiresAt: string;
  /** What the archive weighed when it arrived. */
  bytes?: number;
  /** The name a browser saves it under. */
  fileName: string;
}

/**
 * A presigned GET of a submission's own archive, for its team (the caller has passed
 * `teamSubmission`, so another team's id is NOT_FOUND before this). A submission whose archive
 * never arrived has nothing to download.
 */
export async function archiveDownload(ctx: PodiumContext, submission: SubmissionRecord): Promise<ArchiveDownload> {
  if (submission.status === 'CREATED' || (submission.status === 'CANCELLED' && submission.archiveETag === undefined)) {
    throw notFound(`the archive of submission "${submission.id}" (it was never uploaded)`);
  }
  const fileName = `${submission.id}.zip`;
  const url = await getSignedUrl(
    ctx.s3,
    new GetObjectCommand({
      Bucket: ctx.config.submissionsBucket,
      Key: submission.archiveKey,
      ResponseContentDisposition: `attachment; filename="${fileName}"`,
      ResponseContentType: 'application/zip',
    }),
    { expiresIn: ARCHIVE_DOWNLOAD_SECONDS },
  );
  return {
    url,
    expiresAt: new Date(ctx.now().getTime() + ARCHIVE_DOWNLOAD_SECONDS * 1000).toISOString(),
    ...(submission.archiveBytes !== undefined ? { bytes: submission.archiveBytes } : {}),
    fileName,
  };
}
