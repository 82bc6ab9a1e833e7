import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { findParticipant } from '../participants/participant-record.ts';
import { getPhaseControl } from '../submissions/phase-control.ts';
import { findSubmission } from '../submissions/submission-record.ts';
import { visibleScores } from '../submissions/submission-view.ts';
import { teamOf } from '../teams/team-membership.ts';
import { findReceipt } from './receipt-record.ts';
import type { SignedReceipt } from './score-receipt.ts';

/**
 * The receipt of a submission's current scores, for whoever may read it: anyone once its phase is
 * published, organisers always, its own team when it may already see every score the receipt
 * states (a receipt holds them at full precision, the private split included, so on a phase with
 * a private split the team waits for publication too). Everyone else gets NOT_FOUND, like a
 * missing submission, so ids reveal nothing.
 */
export async function readableReceipt(ctx: PodiumContext, submissionId: string, viewer: Principal | undefined): Promise<SignedReceipt> {
  const missing = notFound(`the receipt of submission "${submissionId}"`);
  const submission = await findSubmission(ctx, submissionId);
  if (!submission) throw missing;
  const challenge = await getChallenge(ctx, submission.challengeId);
  const control = await getPhaseControl(ctx, challenge.id, submission.phaseId);
  const organiser = viewer?.organiser === true && !viewer.organiserWithoutMfa;
  let ownTeam = false;
  if (viewer && !organiser && !control.published) {
    const participant = await findParticipant(ctx, challenge.id, viewer.userId);
    const team = participant ? await teamOf(ctx, challenge, participant, viewer) : undefined;
    ownTeam = team?.teamId === submission.teamId;
  }
  if (!organiser && !control.published && !ownTeam) throw missing;
  if (submission.status !== 'SCORED' || !submission.scores || submission.mode === 'smoke') {
    throw new PodiumError(
      'INVALID_STATE',
      `submission ${submissionId} is ${submission.status}${submission.mode === 'smoke' ? ' (a smoke run)' : ''}: only scored runs on hidden data have receipts`,
    );
  }
  if (!organiser && !control.published) {
    const visible = visibleScores(challenge, submission, control, false);
    const stated = ['overall', 'public', 'private'].filter((split) => submission.scores![split as 'overall'] !== undefined);
    if (!visible || stated.some((split) => visible[split as 'overall'] === undefined)) {
      throw new PodiumError(
        'INVALID_STATE',
        `the receipt states scores your team cannot see before phase ${submission.phaseId} is published; ` +
          `it is available once the organisers publish the results`,
      );
    }
  }
  const receipt = await findReceipt(ctx, submissionId, submission.scores);
  if (!receipt) {
    throw new PodiumError(
      'INVALID_STATE',
      `submission ${submissionId} has no receipt for its current scores: ` +
        `the scoring job signs one after the score, unless it was scored before receipts existed`,
    );
  }
  return receipt;
}
