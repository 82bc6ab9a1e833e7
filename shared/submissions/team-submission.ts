import type { Challenge } from '../challenge/challenge.ts';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { findParticipant } from '../participants/participant-record.ts';
import { teamOf } from '../teams/team-membership.ts';
import { findSubmission, type SubmissionRecord } from './submission-record.ts';

/**
 * A submission of the caller's own team. Another team's submission is NOT_FOUND, exactly like a
 * missing one, so ids reveal nothing.
 */
export async function teamSubmission(
  ctx: PodiumContext,
  principal: Principal,
  submissionId: string,
): Promise<{ submission: SubmissionRecord; challenge: Challenge }> {
  const submission = await findSubmission(ctx, submissionId);
  const missing = notFound(`submission "${submissionId}"`);
  if (!submission) throw missing;
  const challenge = await getChallenge(ctx, submission.challengeId);
  const participant = await findParticipant(ctx, challenge.id, principal.userId);
  const team = participant ? await teamOf(ctx, challenge, participant, principal) : undefined;
  if (!team || team.teamId !== submission.teamId) throw missing;
  return { submission, challenge };
}
