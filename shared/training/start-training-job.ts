import { archiveLimitsFor } from '../archive/archive-limits.ts';
import { headArchive } from '../archive/archive-version.ts';
import { judgeArchive } from '../archive/inspect-archive.ts';
import type { Challenge } from '../challenge/challenge.ts';
import { requirePhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { finishTrainingJob } from './finish-training-job.ts';
import { TRAIN_SCRIPT } from './run-training.ts';
import { queueTrainingJob } from './training-job-start.ts';
import { findTrainingJob, type TrainingJobRecord } from './training-job-record.ts';

/** Runs queued training jobs: SubmitJob of the phase's training job definition, to AWS Batch or to the local job runner (batch-training-launcher.ts). */
export interface TrainingLauncher {
  launch(challenge: Challenge, trainingJobId: string): void | Promise<void>;
  /** Stops a running job at once (Batch's TerminateJob). */
  stop(trainingJobId: string): Promise<void>;
}

/**
 * The team's archive is uploaded: checks it from its central directory (train.py at the root, the
 * phase's archive limits), then CREATED → QUEUED and hands it to the launcher. A bad archive ends
 * the job FAILED, charged nothing. Repeated, it changes nothing and launches nothing again.
 */
export async function startTrainingJob(
  ctx: PodiumContext,
  challenge: Challenge,
  job: TrainingJobRecord,
  launcher: TrainingLauncher,
): Promise<TrainingJobRecord> {
  if (job.status !== 'CREATED') return job;
  const phase = requirePhase(challenge, job.phaseId);
  let bytes: number;
  try {
    bytes = (await headArchive(ctx.s3, ctx.config.submissionsBucket, job.archiveKey)).bytes;
  } catch {
    throw new PodiumError('INVALID_STATE', `training job ${job.id} has no archive yet: upload it first, then start the job`);
  }
  const verdict = await judgeArchive(
    { kind: 's3', s3: ctx.s3, bucket: ctx.config.submissionsBucket, key: job.archiveKey, size: bytes },
    { ...archiveLimitsFor(phase), entryScript: TRAIN_SCRIPT },
    bytes,
  );
  if (!verdict.ok) return (await finishTrainingJob(ctx, job.id, { end: 'FAILED', runSeconds: 0, message: verdict.message }))!;
  if (await queueTrainingJob(ctx, job.id)) await launcher.launch(challenge, job.id);
  return (await findTrainingJob(ctx, job.id))!;
}
