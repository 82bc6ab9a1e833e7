import { randomBytes } from 'node:crypto';
import type { Challenge } from '../challenge/challenge.ts';
import { requirePhase, smokeDatasetOf } from '../challenge/challenge.ts';
import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { requireActiveParticipant } from '../participants/registration.ts';
import { queryItems } from '../storage/query-all.ts';
import { BY_OWNER_INDEX } from '../storage/table-design.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { teamOf } from '../teams/team-membership.ts';
import { attachableOutputs } from '../training/attach-outputs.ts';
import type { TeamRecord } from '../teams/team-record.ts';
import { claimIdempotencyKey, releaseIdempotencyKey, requestFingerprint } from './idempotency.ts';
import { getPhaseControl } from './phase-control.ts';
import { releaseReservation, reserveQuota } from './quota.ts';
import { submissionNote } from './submission-note.ts';
import { createSubmissionRecord, findSubmission, teamSubmissionsPartition, type SubmissionMode, type SubmissionRecord } from './submission-record.ts';
import { MIB, presignArchivePost, presignParts, startMultipartUpload, type ArchiveUpload } from './upload-urls.ts';

export interface CreateSubmissionRequest {
  phaseId: string;
  mode: SubmissionMode;
  archiveBytes: number;
  multipart: boolean;
  idempotencyKey?: string;
  /** The team's note, as given (sanitised here). */
  note?: string;
  /** `submit --with-outputs`: a training job of the team whose outputs go next to main.py. */
  withOutputs?: string;
}

export const newSubmissionId = () => `s-${randomBytes(10).toString('hex')}`;

/** `opens` inclusive, `closes` exclusive, judged by the server's clock only. */
export function assertPhaseOpen(phase: PhaseDefinition, now: Date): void {
  const at = now.getTime();
  if (at < Date.parse(phase.opens)) {
    throw new PodiumError('PHASE_NOT_OPEN', `phase ${phase.id} opens at ${phase.opens}`, { opens: phase.opens, closes: phase.closes });
  }
  if (at >= Date.parse(phase.closes)) {
    throw new PodiumError('PHASE_NOT_OPEN', `phase ${phase.id} closed at ${phase.closes}`, { opens: phase.opens, closes: phase.closes });
  }
}

/** Whether the team has a scored (non-smoke) submission in the phase. */
export async function hasScoredSubmission(ctx: PodiumContext, challengeId: string, phaseId: string, teamId: string): Promise<boolean> {
  const scored = queryItems<SubmissionRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    IndexName: BY_OWNER_INDEX.name,
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :phase)',
    FilterExpression: '#status = :scored AND #mode = :scoredMode',
    ExpressionAttributeNames: { '#pk': BY_OWNER_INDEX.partition, '#sk': BY_OWNER_INDEX.sort, '#status': 'status', '#mode': 'mode' },
    ExpressionAttributeValues: { ':pk': teamSubmissionsPartition(challengeId, teamId), ':phase': `${phaseId}#`, ':scored': 'SCORED', ':scoredMode': 'scored' },
  });
  for await (const _submission of scored) return true;
  return false;
}

/** The upload a CREATED submission's owner uses; signed afresh each time it is asked for. */
export async function uploadFor(ctx: PodiumContext, submission: SubmissionRecord, phase: PhaseDefinition): Promise<ArchiveUpload | undefined> {
  if (submission.status !== 'CREATED') return undefined;
  if (submission.multipartUploadId) return presignParts(ctx, submission.archiveKey, submission.multipartUploadId, submission.archiveBytes ?? 0);
  return presignArchivePost(ctx, submission.archiveKey, phase.runtime.maxArchiveMiB * MIB);
}

/**
 * Creates a submission for the caller's team and returns where to upload its archive. Checks, in
 * order: registration on the current rules, team (a solo participant gets a team of one), phase
 * window, pause, parent phase, archive size, idempotency, quota. Only the quota reservation and
 * the record are state; if the record or upload setup fails the reservation is given back.
 */
export async function createSubmission(
  ctx: PodiumContext,
  challenge: Challenge,
  principal: Principal,
  request: CreateSubmissionRequest,
): Promise<{ submission: SubmissionRecord; upload: ArchiveUpload | undefined; replayed: boolean }> {
  const phase = requirePhase(challenge, request.phaseId);
  const participant = await requireActiveParticipant(ctx, challenge, principal);
  const team = (await teamOf(ctx, challenge, participant, principal, { createSolo: true }))!;
  if (team.disqualified) throw new PodiumError('FORBIDDEN', `team "${team.name}" is disqualified from ${challenge.id}`);

  const now = ctx.now();
  assertPhaseOpen(phase, now);
  if ((await getPhaseControl(ctx, challenge.id, phase.id)).paused) {
    throw new PodiumError('SUBMISSIONS_PAUSED', `the organisers paused submissions to phase ${phase.id}`);
  }
  if (request.mode === 'smoke' && !smokeDatasetOf(challenge, phase.id)) {
    throw new PodiumError('VALIDATION_FAILED', `mode: phase ${phase.id} has no smoke dataset`, {
      issues: [{ field: 'mode', message: 'phase has no smoke dataset' }],
    });
  }
  if (request.mode === 'scored' && phase.parent && !(await hasScoredSubmission(ctx, challenge.id, phase.parent, team.teamId))) {
    throw new PodiumError('PARENT_PHASE_REQUIRED', `phase ${phase.id} requires a scored submission in phase ${phase.parent} first`, { parent: phase.parent });
  }
  const maxBytes = phase.runtime.maxArchiveMiB * MIB;
  if (request.archiveBytes > maxBytes) {
    throw new PodiumError('VALIDATION_FAILED', `archiveBytes: ${request.archiveBytes} exceeds the phase's maximum of ${phase.runtime.maxArchiveMiB} MiB`, {
      issues: [{ field: 'archiveBytes', message: `must be at most ${maxBytes}` }],
    });
  }

  let submissionId = newSubmissionId();
  if (request.idempotencyKey) {
    const { idempotencyKey, ...body } = request;
    const claim = await claimIdempotencyKey(
      ctx,
      team.teamId,
      idempotencyKey,
      requestFingerprint({ challengeId: challenge.id, ...body }),
      submissionId,
      async (id) => Boolean(await findSubmission(ctx, id)),
    );
    submissionId = claim.submissionId;
    if (claim.outcome === 'replay') {
      const submission = (await findSubmission(ctx, submissionId))!;
      return { submission, upload: await uploadFor(ctx, submission, phase), replayed: true };
    }
  }

  try {
    const submission = await reserveAndCreate(ctx, challenge, phase, team, principal, request, submissionId);
    return { submission, upload: await uploadFor(ctx, submission, phase), replayed: false };
  } catch (error) {
    if (request.idempotencyKey) await releaseIdempotencyKey(ctx, team.teamId, request.idempotencyKey, submissionId);
    throw error;
  }
}

async function reserveAndCreate(
  ctx: PodiumContext,
  challenge: Challenge,
  phase: PhaseDefinition,
  team: TeamRecord,
  principal: Principal,
  request: CreateSubmissionRequest,
  submissionId: string,
) {
  const note = submissionNote(request.note);
  // Checked before the quota is charged: a wrong job id costs nothing.
  const trainingOutputs = request.withOutputs ? await attachableOutputs(ctx, challenge, phase.id, team.teamId, request.withOutputs) : undefined;
  const { quotaDay } = await reserveQuota(ctx, challenge.id, phase, team.teamId, submissionId, request.mode);
  try {
    const archiveKey = objectKeys.submissionArchive(challenge.id, phase.id, team.teamId, submissionId);
    const multipartUploadId = request.multipart ? await startMultipartUpload(ctx, archiveKey) : undefined;
    const { item: submission } = await createSubmissionRecord(ctx, {
      id: submissionId,
      challengeId: challenge.id,
      phaseId: phase.id,
      teamId: team.teamId,
      submittedBy: principal.userId,
      mode: request.mode,
      archiveKey,
      archiveBytes: request.archiveBytes,
      ...(note ? { note } : {}),
      ...(principal.organiser ? { organiserRun: true } : {}),
      ...(quotaDay ? { quotaDay } : {}),
      ...(multipartUploadId ? { multipartUploadId } : {}),
      ...(trainingOutputs ? { trainingOutputs } : {}),
    });
    // Signing needs no I/O for a POST and cannot fail once the record exists; outside the try,
    // so a stored submission never loses its reservation.
    return submission;
  } catch (error) {
    await releaseReservation(ctx, challenge.id, phase, team.teamId, submissionId, request.mode, quotaDay);
    throw error;
  }
}
