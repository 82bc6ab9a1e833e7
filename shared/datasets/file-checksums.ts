import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const MiB = 1024 * 1024;

/** S3's multipart limits (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const S3_MULTIPART_LIMITS = {
  maxParts: 10_000,
  minPartBytes: 5 * MiB,
  maxPartBytes: 5 * 1024 * MiB,
  maxObjectBytes: 5 * 1024 * 1024 * MiB,
} as const;

/**
 * The part size for a file: the preferred size, grown (in whole MiB) until the file fits in
 * S3's 10,000 parts. A 5 TiB object gets 525 MiB parts.
 */
export function partSizeFor(fileBytes: number, preferredPartBytes: number): number {
  const needed = Math.ceil(fileBytes / S3_MULTIPART_LIMITS.maxParts / MiB) * MiB;
  return Math.max(preferredPartBytes, needed);
}

export const partCount = (fileBytes: number, partBytes: number): number => Math.max(1, Math.ceil(fileBytes / partBytes));

/** Byte range [start, end) of a 1-based part. */
export function partRange(partNumber: number, partBytes: number, fileBytes: number): { start: number; end: number } {
  const start = (partNumber - 1) * partBytes;
  return { start, end: Math.min(fileBytes, start + partBytes) };
}

export interface FileChecksums {
  /** SHA-256 of the whole file, hex: stored in the object's metadata and the dataset manifest. */
  sha256: string;
  /** SHA-256 of each part, base64 as S3's x-amz-checksum-sha256 wants it; empty without a part size. */
  partSha256: string[];
}

/**
 * Hashes a file in one streaming pass: the whole file, and each part when a part size is given,
 * so a multipart upload can send every part's checksum without reading the file twice more.
 */
export async function fileChecksums(path: string, partBytes?: number, signal?: AbortSignal): Promise<FileChecksums> {
  const whole = createHash('sha256');
  const partSha256: string[] = [];
  let part = partBytes ? createHash('sha256') : undefined;
  let inPart = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: MiB, signal })) {
    const buffer = chunk as Buffer;
    whole.update(buffer);
    if (!part || !partBytes) continue;
    for (let offset = 0; offset < buffer.length;) {
      const take = Math.min(partBytes - inPart, buffer.length - offset);
      part.update(buffer.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === partBytes) {
        partSha256.push(part.digest('base64'));
        part = createHash('sha256');
        inPart = 0;
      }
    }
  }
  if (part && (inPart > 0 || partSha256.length === 0)) partSha256.push(part.digest('base64'));
  return { sha256: whole.digest('hex'), partSha256 };
}

/** The hex SHA-256 as S3's base64 checksum header. */
export const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
