import { resolve, sep } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** One object of a run's hidden inputs and where it sits under the inputs folder. */
export interface HiddenInputObject {
  key: string;
  /** Its path below the folder (`root`), the key without the dataset's prefix. */
  relative: string;
  bytes: number;
}

/**
 * Every object under `prefix`, as the files of the folder `root` holds: what the launcher downloads
 * and what it checks a mount against. A key that would land outside the folder is not an input.
 * Throws when there is none: a run on no data is a misconfigured phase.
 */
export async function listHiddenInputObjects(s3: S3Client, bucket: string, prefix: string, root: string): Promise<HiddenInputObject[]> {
  const folder = resolve(root);
  const objects: HiddenInputObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const relative = object.Key!.slice(prefix.length);
      if (relative && resolve(folder, relative).startsWith(folder + sep)) objects.push({ key: object.Key!, relative, bytes: object.Size ?? 0 });
    }
    token = page.NextContinuationToken;
  } while (token);
  if (objects.length === 0) throw new Error(`no inputs found under s3://${bucket}/${prefix}`);
  return objects;
}
