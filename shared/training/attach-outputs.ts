import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ArchiveProblem } from '../archive/archive-problem.ts';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { objectKeys } from '../storage/object-keys.ts';
import type { AttachedTrainingOutputs } from '../submissions/submission-record.ts';
import { findTrainingJob } from './training-job-record.ts';

/** Ends whose `outputs/` may be attached: a stopped job's checkpoints are the team's to use. */
const ATTACHABLE = ['SUCCEEDED', 'TIMEOUT', 'BUDGET_EXHAUSTED'];

/**
 * What `submit --with-outputs <trainingJobId>` attaches: the team's own ended job of the same
 * challenge and phase, with at least one output. The files are named by path, size and SHA-256,
 * so the run uses exactly what the job wrote, and nothing is downloaded by anyone.
 */
export async function attachableOutputs(
  ctx: PodiumContext,
  challenge: Challenge,
  phaseId: string,
  teamId: string,
  trainingJobId: string,
): Promise<AttachedTrainingOutputs> {
  const job = await findTrainingJob(ctx, trainingJobId);
  if (!job || job.teamId !== teamId || job.challengeId !== challenge.id) throw new PodiumError('NOT_FOUND', `training job "${trainingJobId}" was not found`);
  if (job.phaseId !== phaseId) {
    throw new PodiumError('VALIDATION_FAILED', `withOutputs: training job ${trainingJobId} ran in phase "${job.phaseId}", not "${phaseId}"`);
  }
  if (!ATTACHABLE.includes(job.status) || !job.outputs?.length) {
    throw new PodiumError(
      'INVALID_STATE',
      `training job ${trainingJobId} has no outputs to attach (it is ${job.status}${job.outputs ? ', with no files in outputs/' : ''})`,
    );
  }
  return { trainingJobId, prefix: objectKeys.trainingOutputsPrefix(job.challengeId, job.phaseId, job.teamId, job.id), files: job.outputs };
}

/**
 * The inference launcher's side: each attached file copied next to main.py, checked against its
 * SHA-256. A file the archive already has is refused (the team's archive and its outputs must not
 * disagree on what runs), and so is a path leading out of the code folder.
 */
export async function copyTrainingOutputs(
  s3: S3Client,
  bucket: string,
  outputs: Pick<AttachedTrainingOutputs, 'prefix' | 'files'>,
  codeDir: string,
): Promise<void> {
  const root = resolve(codeDir);
  for (const file of outputs.files) {
    const target = resolve(root, file.path);
    if (!target.startsWith(root + sep)) throw new Error(`attached output ${JSON.stringify(file.path)} leads out of the code folder`);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: outputs.prefix + file.path }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) throw new Error(`attached output ${file.path} does not match its SHA-256`);
    await mkdir(dirname(target), { recursive: true });
    // `wx`: never overwrite what the archive holds.
    try {
      await writeFile(target, bytes, { flag: 'wx', mode: 0o644 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      throw new ArchiveProblem(
        'ARCHIVE_INVALID',
        `the archive already has ${file.path}, which the attached training outputs also hold; leave it out of the archive`,
      );
    }
  }
}
