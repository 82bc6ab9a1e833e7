import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { hexToBase64 } from '../datasets/file-checksums.ts';

/** One file a training job left in `outputs/`: what a team sees of it when its data may not leave. */
export interface TrainingOutputFile {
  /** Relative to `outputs/`, with `/` separators. */
  path: string;
  bytes: number;
  sha256: string;
}

/** Files past this count are not collected: a job that writes a million files has a bug, and its listing must fit one record. */
export const MAX_OUTPUT_FILES = 1000;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The regular files under `outputsDir`, sorted by path, with size and SHA-256. Links and other
 * non-files are skipped: the team's code made them, and a link could name a host file (the
 * training data, or another run's) that the upload would then copy out.
 */
export async function listTrainingOutputs(outputsDir: string): Promise<{ files: TrainingOutputFile[]; skipped: number }> {
  const files: TrainingOutputFile[] = [];
  let skipped = 0;
  const walk = async (folder: string, relative: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(folder)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(folder, name);
      const stat = await lstat(path);
      const entry = relative ? posix.join(relative, name) : name;
      if (stat.isDirectory()) await walk(path, entry);
      else if (stat.isFile() && files.length < MAX_OUTPUT_FILES) files.push({ path: entry, bytes: stat.size, sha256: await sha256Of(path) });
      else skipped++;
    }
  };
  await walk(outputsDir, '');
  return { files, skipped };
}

/** Copies the listed outputs under `prefix` in `bucket`, each with its SHA-256 checked by S3 on arrival. */
export async function uploadTrainingOutputs(s3: S3Client, bucket: string, prefix: string, outputsDir: string, files: TrainingOutputFile[]): Promise<void> {
  for (const file of files) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: prefix + file.path,
        Body: createReadStream(join(outputsDir, file.path)),
        ContentLength: file.bytes,
        ChecksumSHA256: hexToBase64(file.sha256),
      }),
    );
  }
}
