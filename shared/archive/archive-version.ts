import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { ArchiveProblem } from './archive-problem.ts';

/**
 * One version of an uploaded archive: its size and ETag, read together with HeadObject. The upload
 * handler records both on the submission; every later read is pinned to that ETag, so a second
 * PUT through the same (still valid) upload URL can never swap the code that was validated.
 */
export interface ArchiveVersion {
  bytes: number;
  eTag: string;
}

/** Where an archive lives and, once recorded, which version of it may be read. */
export interface ArchiveLocation {
  bucket: string;
  key: string;
  /** The validated version's ETag; absent only on records older than the pinning. */
  eTag?: string;
}

/** The archive's current size and ETag. */
export async function headArchive(s3: S3Client, bucket: string, key: string): Promise<ArchiveVersion> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { bytes: head.ContentLength ?? 0, eTag: head.ETag ?? '' };
}

/** ETags compare without their quotes (S3 quotes them in headers, events do not). */
export const sameETag = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.replace(/"/g, '') === b.replace(/"/g, '');

const isPreconditionFailure = (error: unknown) =>
  (error as Error).name === 'PreconditionFailed' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412;

/** The competitor-facing problem when the bytes are no longer the recorded version. */
export function archiveChanged(when: 'while it was being validated' | 'after it was validated'): ArchiveProblem {
  return new ArchiveProblem(
    'ARCHIVE_INVALID',
    `the archive changed ${when} (it was uploaded a second time to the same URL); submit again, uploading each archive once`,
  );
}

/**
 * GETs the archive (or a byte range of it) pinned to its recorded ETag. S3 (and the local S3
 * front) answers a stale `If-Match` with 412; the response's own ETag is compared as well, a
 * second guard for any store that ignores `If-Match`. A mismatch throws the ARCHIVE_INVALID problem `archiveChanged`.
 */
export async function getArchiveObject(
  s3: S3Client,
  archive: ArchiveLocation,
  when: Parameters<typeof archiveChanged>[0],
  range?: string,
): Promise<GetObjectCommandOutput> {
  let object: GetObjectCommandOutput;
  try {
    object = await s3.send(
      new GetObjectCommand({
        Bucket: archive.bucket,
        Key: archive.key,
        ...(archive.eTag ? { IfMatch: archive.eTag } : {}),
        ...(range ? { Range: range } : {}),
      }),
    );
  } catch (error) {
    if (archive.eTag && isPreconditionFailure(error)) throw archiveChanged(when);
    throw error;
  }
  if (archive.eTag && !sameETag(object.ETag, archive.eTag)) {
    (object.Body as Readable | undefined)?.destroy();
    throw archiveChanged(when);
  }
  return object;
}
