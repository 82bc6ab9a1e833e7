import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import type { RescoreResult } from '../leaderboard/rescore.ts';
import { getPhaseControl } from '../submissions/phase-control.ts';
import { getSubmission } from '../submissions/submission-record.ts';
import { visibleScores } from '../submissions/submission-view.ts';
import { teamRecipients } from './audiences.ts';
import { eventId } from './notification-event.ts';
import { publishNotification } from './publish-notification.ts';

/**
 * Tells each team whose submission a rescore changed that its score was recomputed. The event id
 * names the rescore request and the submission, so a rescore job that runs again after a crash
 * tells nobody twice. Like a scored submission's notification, it carries only the scores the team
 * may read now (a blind phase shows none). Smoke runs are never told.
 */
export async function notifyRescored(ctx: PodiumContext, challenge: Challenge, rescoreId: string, results: readonly RescoreResult[]): Promise<number> {
  let told = 0;
  for (const result of results) {
    if (!result.rescored) continue;
    const submission = await getSubmission(ctx, result.submissionId);
    if (submission.mode === 'smoke') continue;
    const scores = visibleScores(challenge, { ...submission, scores: result.scores }, await getPhaseControl(ctx, challenge.id, submission.phaseId), false);
    const shown = scores && (['public', 'overall'] as const).find((split) => scores[split] !== undefined);
    const detail = shown ? `Its ${shown} score is now ${scores[shown]}.` : 'Its score stays private until the organisers publish the ranking.';
    const sent = await publishNotification(
      ctx,
      challenge,
      {
        id: eventId('rescore', rescoreId, submission.id),
        type: 'rescore.done',
        challengeId: challenge.id,
        title: `Submission ${submission.id} was rescored (${submission.phaseId})`,
        text:
          `The organisers of ${challenge.title} rescored phase ${submission.phaseId} with scorer ${result.scores.scorerVersion}. ` +
          `Your submission ${submission.id}: ${detail}\nDetails: podium status ${submission.id}`,
        link: `/submissions/${submission.id}`,
      },
      await teamRecipients(ctx, challenge.id, submission.teamId, submission.submittedBy),
    );
    told += sent.inApp;
  }
  return told;
}
