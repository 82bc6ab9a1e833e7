import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PodiumContext } from '../context.ts';

/** How long an upload URL stays valid: enough for a large archive on a slow link. */
export const UPLOAD_URL_SECONDS = 60 * 60;
export const MIB = 1024 * 1024;
/** S3's minimum part size is 5 MiB; 16 MiB keeps part counts small for multi-GB archives. */
export const MIN_PART_BYTES = 16 * MIB;
const MAX_PARTS = 10_000;

export interface PresignedPostUpload {
  method: 'POST';
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
  expiresAt: string;
}

export interface MultipartUpload {
  method: 'MULTIPART';
  uploadId: string;
  partBytes: number;
  parts: { partNumber: number; url: string }[];
  expiresAt: string;
}

export type ArchiveUpload = PresignedPostUpload | MultipartUpload;

/** A browser-style POST whose policy pins the key and makes S3 refuse bodies outside 1..maxBytes. */
export async function presignArchivePost(ctx: PodiumContext, key: string, maxBytes: number): Promise<PresignedPostUpload> {
  const { url, fields } = await createPresignedPost(ctx.s3, {
    Bucket: ctx.config.submissionsBucket,
    Key: key,
    Conditions: [['content-length-range', 1, maxBytes]],
    Expires: UPLOAD_URL_SECONDS,
  });
  return { method: 'POST', url, fields, maxBytes, expiresAt: new Date(ctx.now().getTime() + UPLOAD_URL_SECONDS * 1000).toISOString() };
}

export function partSizeFor(archiveBytes: number): number {
  return Math.max(MIN_PART_BYTES, Math.ceil(archiveBytes / MAX_PARTS / MIB) * MIB);
}

/**
 * Starts a multipart upload; `presignParts` signs its parts. S3 cannot cap a multipart object's
 * size, so the completion step checks the parts' total against the phase's maximum.
 */
export async function startMultipartUpload(ctx: PodiumContext, key: string): Promise<string> {
  const created = await ctx.s3.send(new CreateMultipartUploadCommand({ Bucket: ctx.config.submissionsBucket, Key: key, ContentType: 'application/zip' }));
  return created.UploadId!;
}

/** One presigned PUT per part of a started multipart upload (signed again on an idempotent replay). */
export async function presignParts(ctx: PodiumContext, key: string, uploadId: string, archiveBytes: number): Promise<MultipartUpload> {
  const partBytes = partSizeFor(archiveBytes);
  const count = Math.max(1, Math.ceil(archiveBytes / partBytes));
  const parts = await Promise.all(
    Array.from({ length: count }, async (_, index) => ({
      partNumber: index + 1,
      url: await getSignedUrl(ctx.s3, new UploadPartCommand({ Bucket: ctx.config.submissionsBucket, Key: key, UploadId: uploadId, PartNumber: index + 1 }), {
        expiresIn: UPLOAD_URL_SECONDS,
      }),
    })),
  );
  return { method: 'MULTIPART', uploadId, partBytes, parts, expiresAt: new Date(ctx.now().getTime() + UPLOAD_URL_SECONDS * 1000).toISOString() };
}
