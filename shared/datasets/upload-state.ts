import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import { partCount } from './file-checksums.ts';

/**
 * What an interrupted multipart upload leaves on the organiser's machine so the next run resumes
 * it: the upload id and every finished part. Kept locally because s3rver has no ListParts, and
 * because the part checksums and whole-file SHA-256 it records spare re-hashing a large file.
 */
const uploadStateSchema = z
  .object({
    version: z.literal(1),
    bucket: z.string().min(1),
    key: z.string().min(1),
    /** Absolute path of the local file. */
    source: z.string().min(1),
    size: z.number().int().positive(),
    mtimeMs: z.number(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    partSize: z.number().int().positive(),
    partSha256: z.array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/)),
    uploadId: z.string().min(1),
    completed: z.array(z.object({ partNumber: z.number().int().min(1), etag: z.string().min(1) })),
  })
  .refine((state) => state.partSha256.length === partCount(state.size, state.partSize), 'partSha256 does not match size / partSize')
  .refine((state) => state.completed.every((part) => part.partNumber <= state.partSha256.length), 'a completed part is beyond the last part')
  .refine((state) => new Set(state.completed.map((part) => part.partNumber)).size === state.completed.length, 'a part is listed twice');

export type UploadState = z.infer<typeof uploadStateSchema>;

export type StoredUploadState =
  | { status: 'none' }
  | { status: 'found'; state: UploadState }
  /** The file exists but cannot be used; `uploadId` when it could still be read, to abort it. */
  | { status: 'unreadable'; reason: string; uploadId?: string };

/** One state file per destination object, named by a hash of bucket and key. */
export function uploadStateFile(stateDir: string, bucket: string, key: string): string {
  const name = createHash('sha256').update(`${bucket}\n${key}`).digest('hex').slice(0, 32);
  return join(stateDir, `${name}.json`);
}

export async function readUploadState(file: string, bucket: string, key: string): Promise<StoredUploadState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'none' };
    return { status: 'unreadable', reason: (error as Error).message };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: 'unreadable', reason: 'not valid JSON' };
  }
  const parsed = uploadStateSchema.safeParse(json);
  const uploadId = typeof (json as { uploadId?: unknown })?.uploadId === 'string' ? (json as { uploadId: string }).uploadId : undefined;
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'state'}: ${issue.message}`).join('; ');
    return { status: 'unreadable', reason, ...(uploadId ? { uploadId } : {}) };
  }
  if (parsed.data.bucket !== bucket || parsed.data.key !== key) {
    return { status: 'unreadable', reason: `it belongs to s3://${parsed.data.bucket}/${parsed.data.key}` };
  }
  return { status: 'found', state: parsed.data };
}

/** Written to a temporary file then renamed, so a kill mid-write leaves the previous state whole. */
export async function writeUploadState(file: string, state: UploadState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(state));
  await rename(temporary, file);
}

export const removeUploadState = async (file: string | undefined): Promise<void> => {
  if (file) await rm(file, { force: true });
};
