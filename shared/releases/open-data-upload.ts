import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PodiumContext } from '../context.ts';
import { hexToBase64 } from '../datasets/file-checksums.ts';
import { PodiumError } from '../errors.ts';

/** One object of a release as the organiser's CLI announces it: where it goes under the release, its size and SHA-256. */
export interface ReleaseObject {
  path: string;
  bytes: number;
  sha256: string;
}

/** A signed PUT for one object; the headers must be sent as given (S3 checks the body against the SHA-256). */
export interface ReleaseUpload {
  path: string;
  url: string;
  headers: Record<string, string>;
}

export const MAX_RELEASE_OBJECTS = 10_000;
/** S3's largest single PUT. */
export const MAX_RELEASE_OBJECT_BYTES = 5 * 1024 ** 3;
/** Long enough for a release of a few GiB over an ordinary link; an expired URL means releasing again. */
export const RELEASE_UPLOAD_SECONDS = 60 * 60;

const SAFE_SEGMENT = /^[A-Za-z0-9._-][A-Za-z0-9 ._()+,=@-]*$/;

/** Refuses, naming each problem, objects that could not be a release's: odd paths, duplicates, no manifest, too many or too big. */
export function checkReleaseObjects(objects: readonly ReleaseObject[]): void {
  const problems: string[] = [];
  if (objects.length > MAX_RELEASE_OBJECTS) problems.push(`${objects.length} files, more than the ${MAX_RELEASE_OBJECTS} one release may hold`);
  const seen = new Set<string>();
  for (const object of objects) {
    const segments = object.path.split('/');
    if (object.path.length > 900 || segments.some((segment) => !SAFE_SEGMENT.test(segment) || segment === '.' || segment === '..'))
      problems.push(`"${object.path}" is not a plain relative path (letters, digits, spaces and ._()+,=@- in segments separated by /)`);
    if (seen.has(object.path)) problems.push(`"${object.path}" appears twice`);
    seen.add(object.path);
    if (object.bytes > MAX_RELEASE_OBJECT_BYTES)
      problems.push(`"${object.path}" is ${object.bytes} bytes, over S3's 5 GiB single upload: release to a folder and copy it with your own tools`);
  }
  if (!seen.has('manifest.json')) problems.push('the release has no manifest.json');
  if (problems.length > 0) throw new PodiumError('VALIDATION_FAILED', `the release's files are refused: ${problems.slice(0, 20).join('; ')}`, { problems });
}

/** The open-data bucket of this Podium, or a refusal naming what is missing. */
export function openDataBucketOf(ctx: PodiumContext): string {
  const bucket = ctx.config.openDataBucket;
  if (!bucket) {
    throw new PodiumError(
      'INVALID_STATE',
      'this Podium has no open-data bucket (PODIUM_OPEN_DATA_BUCKET is not set); release to a folder instead (-o <folder>)',
    );
  }
  return bucket;
}

/** Where a release's objects go: `<challengeId>/<releaseId>/` in the open-data bucket. */
export const releasePrefix = (challengeId: string, releaseId: string) => `${challengeId}/${releaseId}/`;

/**
 * One signed PUT per object, with the API's own grant on the bucket (write under `<challengeId>/`
 * only). Each URL binds the object's SHA-256 (`x-amz-checksum-sha256`, a signed header), so S3
 * stores exactly the bytes the manifest names or refuses the upload.
 */
export async function signReleaseUploads(ctx: PodiumContext, prefix: string, objects: readonly ReleaseObject[]): Promise<ReleaseUpload[]> {
  const bucket = openDataBucketOf(ctx);
  return Promise.all(
    objects.map(async (object) => {
      const checksum = hexToBase64(object.sha256);
      const url = await getSignedUrl(
        ctx.s3,
        new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${object.path}`, ChecksumSHA256: checksum, ContentLength: object.bytes }),
        { expiresIn: RELEASE_UPLOAD_SECONDS, unhoistableHeaders: new Set(['x-amz-checksum-sha256']) },
      );
      return { path: object.path, url, headers: { 'x-amz-checksum-sha256': checksum } };
    }),
  );
}
