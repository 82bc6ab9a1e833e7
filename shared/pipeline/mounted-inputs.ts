import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { mapWithConcurrency } from '../concurrency.ts';
import { listHiddenInputObjects } from './hidden-input-objects.ts';
import { jobEnvJson } from './job-env-json.ts';

/**
 * The variable that tells the inference launcher its phase's hidden inputs are already on the
 * instance, mounted read-only (Mountpoint for Amazon S3 on AWS, s3fs in the parity harness), so it
 * reads them in place instead of downloading them. Set by the job definition together with the
 * volume that holds the mount (infra/constructs/hidden-inputs-mount.ts), never by SubmitJob.
 */
export const MOUNTED_INPUTS_ENV = 'PODIUM_MOUNTED_INPUTS';

export const mountedInputsSchema = z
  .object({
    /** The hidden-bucket prefix the mount shows (`inputs/<challenge>/<dataset>/`). */
    prefix: z.string().regex(/^inputs\/.+\/$/, 'a hidden-inputs prefix, ending with "/"'),
    /** Where the container sees it: an absolute path, bound read-only. */
    path: z.string().regex(/^\/./, 'an absolute path'),
  })
  .strict();

export type MountedInputs = z.infer<typeof mountedInputsSchema>;

/** The mount the job definition declares, or undefined (inputs are then downloaded). */
export function mountedInputsFromEnv(env: NodeJS.ProcessEnv = process.env): MountedInputs | undefined {
  return jobEnvJson(env, MOUNTED_INPUTS_ENV, mountedInputsSchema);
}

/** What the check found: the files a run may read, and their bytes (none of which were read). */
export interface MountedInputsCheck {
  files: number;
  bytes: number;
}

/** How many mismatches a refusal names: enough to diagnose, short enough for a job log. */
const NAMED_MISMATCHES = 5;
const STAT_CONCURRENCY = 16;

/**
 * Checks that the mounted folder is the dataset the run spec names, before any code sees it: every
 * object under `prefix` in S3's listing is a file of the same size at the same path in the mount,
 * and the mount refuses writes. It reads no file's bytes (the mount client checks those against
 * S3 as it serves them), so a run still fetches only what its code reads. A mismatch (a mount that
 * failed, a stale or wrong dataset) throws: a platform fault, retried, never the team's.
 */
export async function verifyMountedInputs(s3: S3Client, bucket: string, prefix: string, mountPath: string): Promise<MountedInputsCheck> {
  const root = resolve(mountPath);
  const writable = await access(root, constants.W_OK).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EROFS' || error.code === 'EACCES') return false;
      throw new Error(`the hidden inputs mount ${root} cannot be checked: ${error.code ?? error.message}`);
    },
  );
  if (writable) throw new Error(`the hidden inputs mount ${root} is writable: it must be mounted read-only`);
  const expected = await listHiddenInputObjects(s3, bucket, prefix, root);
  // A stat on a mount is a metadata request to S3 at worst: a few at a time, as the download did.
  const found = await mapWithConcurrency(expected, STAT_CONCURRENCY, async ({ relative, bytes }) => {
    const file = await stat(join(root, relative)).catch(() => undefined);
    if (!file?.isFile()) return `${relative} is missing`;
    return file.size === bytes ? undefined : `${relative} has ${file.size} bytes, S3 has ${bytes}`;
  });
  const mismatches = found.filter((problem): problem is string => problem !== undefined);
  const bytes = expected.reduce((sum, file) => sum + file.bytes, 0);
  if (mismatches.length > 0) {
    const more = mismatches.length > NAMED_MISMATCHES ? ` and ${mismatches.length - NAMED_MISMATCHES} more` : '';
    throw new Error(
      `the hidden inputs mount ${root} does not match s3://${bucket}/${prefix} (${mismatches.length} of ${expected.length} files): ` +
        `${mismatches.slice(0, NAMED_MISMATCHES).join('; ')}${more}`,
    );
  }
  return { files: expected.length, bytes };
}
