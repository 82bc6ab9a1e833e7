import type { Challenge } from '../challenge/challenge.ts';
import { requirePhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { requireActiveParticipant } from '../participants/registration.ts';
import { addMemberWithinLimit, removeMember } from '../storage/conditional-writes.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { keys } from '../storage/table-design.ts';
import { assertPhaseOpen } from '../submissions/create-submission.ts';
import { MIB, presignArchivePost, type PresignedPostUpload } from '../submissions/upload-urls.ts';
import { teamOf } from '../teams/team-membership.ts';
import { reserveTrainingBudget, settleTrainingBudget, trainingOf } from './training-budget.ts';
import { createTrainingJobRecord, newTrainingJobId, type TrainingJobRecord } from './training-job-record.ts';

export interface CreateTrainingJobRequest {
  phaseId: string;
  archiveBytes: number;
}

/**
 * Creates a training job for the caller's team and returns where to upload its archive. Checks
 * registration, team, phase window, that the phase offers training, and the archive size; then
 * takes one of the team's concurrent-job slots and reserves the job's time limit from its budget
 * (BUDGET_EXHAUSTED names what remains). A failure after either gives both back, so a refusal
 * charges nothing.
 */
export async function createTrainingJob(
  ctx: PodiumContext,
  challenge: Challenge,
  principal: Principal,
  request: CreateTrainingJobRequest,
): Promise<{ job: TrainingJobRecord; upload: PresignedPostUpload }> {
  const phase = requirePhase(challenge, request.phaseId);
  const training = trainingOf(phase);
  const participant = await requireActiveParticipant(ctx, challenge, principal);
  const team = (await teamOf(ctx, challenge, participant, principal, { createSolo: true }))!;
  if (team.disqualified) throw new PodiumError('FORBIDDEN', `team "${team.name}" is disqualified from ${challenge.id}`);
  assertPhaseOpen(phase, ctx.now());
  const maxBytes = phase.runtime.maxArchiveMiB * MIB;
  if (!(request.archiveBytes > 0 && request.archiveBytes <= maxBytes)) {
    throw new PodiumError('VALIDATION_FAILED', `archiveBytes: ${request.archiveBytes} must be above 0 and at most ${phase.runtime.maxArchiveMiB} MiB`, {
      issues: [{ field: 'archiveBytes', message: `must be 1..${maxBytes}` }],
    });
  }

  const id = newTrainingJobId();
  const slots = keys.trainingSlots(challenge.id, phase.id, team.teamId);
  if (!(await addMemberWithinLimit(ctx.db, ctx.config.tableName, slots, id, training.concurrentJobsPerTeam))) {
    throw new PodiumError(
      'QUOTA_EXCEEDED',
      `the team already has ${training.concurrentJobsPerTeam} training job(s) queued or running on phase "${phase.id}"; wait for one to end or cancel it`,
      { limit: 'concurrent', nextAllowedAt: null },
    );
  }
  let reserved = false;
  try {
    const reservation = await reserveTrainingBudget(ctx, challenge.id, phase, team.teamId, id);
    reserved = true;
    const archiveKey = objectKeys.trainingArchive(challenge.id, phase.id, team.teamId, id);
    const job = await createTrainingJobRecord(ctx, {
      id,
      challengeId: challenge.id,
      phaseId: phase.id,
      teamId: team.teamId,
      submittedBy: principal.userId,
      archiveKey,
      archiveBytes: request.archiveBytes,
      runSecondsLimit: reservation.runSeconds,
      budgetLimited: reservation.budgetLimited,
    });
    return { job, upload: await presignArchivePost(ctx, archiveKey, maxBytes) };
  } catch (error) {
    if (reserved) await settleTrainingBudget(ctx, challenge.id, phase.id, team.teamId, id, 0);
    await removeMember(ctx.db, ctx.config.tableName, slots, id);
    throw error;
  }
}
