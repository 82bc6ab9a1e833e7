import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import { getPhaseControl } from '../submissions/phase-control.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import { visibleScores } from '../submissions/submission-view.ts';
import { teamRecipients } from './audiences.ts';
import { eventId, type NotificationType } from './notification-event.ts';
import { publishNotification } from './publish-notification.ts';

const TYPE_OF: Partial<Record<SubmissionRecord['status'], NotificationType>> = {
  SCORED: 'submission.scored',
  FAILED: 'submission.failed',
  REJECTED: 'submission.rejected',
};

/**
 * Tells the team that a submission ended (SCORED, FAILED or REJECTED). Called each time the
 * terminal state is settled, which happens more than once (duplicate events, reconciler passes):
 * the event id is the submission's and its status, so the team hears once. The text carries only
 * what the team may already read: public scores never private ones, the failure's fixed category.
 */
export async function notifySubmissionOutcome(ctx: PodiumContext, submission: SubmissionRecord): Promise<void> {
  const type = TYPE_OF[submission.status];
  if (!type || submission.mode === 'smoke') return;
  const challenge = await getChallenge(ctx, submission.challengeId);
  const recipients = await teamRecipients(ctx, submission.challengeId, submission.teamId, submission.submittedBy);
  // Exactly the scores the team may read now (a blind phase shows none): the e-mail is no side door.
  const scores = visibleScores(challenge, submission, await getPhaseControl(ctx, submission.challengeId, submission.phaseId), false);
  const shown = scores && (['public', 'overall'] as const).find((split) => scores[split] !== undefined);
  const detail =
    submission.status === 'SCORED'
      ? shown
        ? `Its ${shown} score is ${scores[shown]}.`
        : 'Its score stays private until the organisers publish the ranking.'
      : `Reason: ${submission.failure?.message ?? 'see `podium status`'}.`;
  await publishNotification(
    ctx,
    challenge,
    {
      id: eventId('submission', submission.id, submission.status),
      type,
      challengeId: submission.challengeId,
      title: `Submission ${submission.id} ${submission.status} (${submission.phaseId})`,
      text:
        `Your submission ${submission.id} to ${challenge.title}, phase ${submission.phaseId}, is ${submission.status}. ${detail}\n` +
        `Details: podium status ${submission.id}`,
      link: `/submissions/${submission.id}`,
    },
    recipients,
  );
}
