import { setTimeout as sleep } from 'node:timers/promises';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import yazl from 'yazl';
import type { PodiumContext } from '#shared/context.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { reserveQuota } from '#shared/submissions/quota.ts';
import {
  createSubmissionRecord,
  findSubmission,
  type AttachedTrainingOutputs,
  type SubmissionMode,
  type SubmissionRecord,
} from '#shared/submissions/submission-record.ts';
import type { Challenge } from '#shared/challenge/load-challenge.ts';

/** Zips a folder's files (flat or nested) into a buffer, as a competitor would. */
export async function zipFolder(dir: string, prefix = ''): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const walk = async (relative: string) => {
    for (const entry of await readdir(join(dir, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else zip.addBuffer(await readFile(join(dir, path)), `${prefix}${path}`);
    }
  };
  await walk('');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let counter = 0;

/** Creates a submission as the API would (quota reserved for scored runs), then uploads its archive. */
export async function submitArchive(
  ctx: PodiumContext,
  challenge: Challenge,
  archive: Buffer,
  options: { teamId?: string; phaseId?: string; mode?: SubmissionMode; trainingOutputs?: AttachedTrainingOutputs } = {},
): Promise<string> {
  const phase = challenge.phases.find((p) => p.id === (options.phaseId ?? 'learning'))!;
  const teamId = options.teamId ?? 'team-a';
  const mode = options.mode ?? 'scored';
  const id = `sub-${Date.now().toString(36)}-${counter++}`;
  const { quotaDay } = await reserveQuota(ctx, challenge.id, phase, teamId, id, mode);
  const archiveKey = objectKeys.submissionArchive(challenge.id, phase.id, teamId, id);
  await createSubmissionRecord(ctx, {
    id,
    challengeId: challenge.id,
    phaseId: phase.id,
    teamId,
    submittedBy: 'user-1',
    mode,
    archiveKey,
    ...(quotaDay ? { quotaDay } : {}),
    ...(options.trainingOutputs ? { trainingOutputs: options.trainingOutputs } : {}),
  });
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: archiveKey, Body: archive }));
  return id;
}

/** Polls the record until `done` holds (the pipeline runs real processes; no fixed sleeps). */
export async function waitFor(
  ctx: PodiumContext,
  submissionId: string,
  done: (submission: SubmissionRecord) => boolean,
  limitMs = 90_000,
): Promise<SubmissionRecord> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const submission = await findSubmission(ctx, submissionId);
    if (submission && done(submission)) return submission;
    if (Date.now() > deadline) throw new Error(`submission ${submissionId} is still ${submission?.status} (attempt ${submission?.attempt})`);
    await sleep(150);
  }
}

export const isFinal = (submission: SubmissionRecord) => ['SCORED', 'FAILED', 'REJECTED', 'CANCELLED'].includes(submission.status);

/**
 * Final, with its quota settlement claimed (the record's last write). The quota counters are
 * decremented just after that write: poll them (`expect.poll`) rather than read them once.
 */
export const isSettled = (submission: SubmissionRecord) => isFinal(submission) && Boolean(submission.quotaSettledAt);
