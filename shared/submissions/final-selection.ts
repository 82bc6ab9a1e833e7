import { requirePhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { finalSelectionsOf, refreshPrivateEntry } from '../leaderboard/private-board.ts';
import { addToFinalSelection, readFinalSelection, removeFromFinalSelection } from './final-selection-record.ts';
import { teamSubmission } from './team-submission.ts';

/** A team's final selection in a phase, as the API returns it. */
export interface FinalSelectionView {
  challengeId: string;
  phaseId: string;
  teamId: string;
  /** The most the team may select (`finalSelections`). */
  limit: number;
  selected: string[];
  /** After this instant the selection is final. */
  closes: string;
}

/**
 * The submission of the caller's team whose selection changes, with its phase still open for
 * selections. Another team's submission is NOT_FOUND like a missing one; so is a smoke run or a
 * run that was not SCORED, which can never count on a board.
 */
async function selectable(ctx: PodiumContext, principal: Principal, submissionId: string, adding: boolean) {
  const { submission, challenge } = await teamSubmission(ctx, principal, submissionId);
  const phase = requirePhase(challenge, submission.phaseId);
  const limit = finalSelectionsOf(challenge, phase.id);
  if (limit === 0) {
    throw new PodiumError(
      'INVALID_STATE',
      `phase "${phase.id}" has no private leaderboard (its test set has no public/private split): there is nothing to select`,
    );
  }
  if (ctx.now().getTime() >= Date.parse(phase.closes)) {
    throw new PodiumError('INVALID_STATE', `phase "${phase.id}" closed at ${phase.closes}: final selections can no longer change`, { closes: phase.closes });
  }
  if (adding && (submission.mode !== 'scored' || submission.status !== 'SCORED')) {
    throw new PodiumError(
      'NOT_FOUND',
      `scored submission "${submissionId}" was not found: only your team's SCORED submissions (not smoke runs) can be selected`,
    );
  }
  return { submission, challenge, phase, limit };
}

const view = async (ctx: PodiumContext, challengeId: string, phaseId: string, teamId: string, limit: number, closes: string): Promise<FinalSelectionView> => ({
  challengeId,
  phaseId,
  teamId,
  limit,
  selected: [...(await readFinalSelection(ctx, challengeId, phaseId, teamId))].sort(),
  closes,
});

/**
 * Marks one of the team's scored submissions to count on the private board. Selecting it again
 * changes nothing; a selection already holding `finalSelections` others is refused (CONFLICT,
 * with the current selection in `details`). Racing selections for the last slot admit one.
 */
export async function selectFinalSubmission(ctx: PodiumContext, principal: Principal, submissionId: string): Promise<FinalSelectionView> {
  const { submission, challenge, phase, limit } = await selectable(ctx, principal, submissionId, true);
  const { challengeId, phaseId, teamId } = submission;
  if (!(await addToFinalSelection(ctx, challengeId, phaseId, teamId, submission.id, limit))) {
    const current = await view(ctx, challengeId, phaseId, teamId, limit, phase.closes);
    throw new PodiumError(
      'CONFLICT',
      `your team already selected ${current.selected.length} submissions in phase "${phaseId}", the most allowed (${limit}): ` +
        `${current.selected.join(', ')}; clear one first`,
      current,
    );
  }
  await refreshPrivateEntry(ctx, challenge, phaseId, teamId);
  return view(ctx, challengeId, phaseId, teamId, limit, phase.closes);
}

/** Removes a submission from the team's selection (nothing happens when it was not selected). */
export async function clearFinalSubmission(ctx: PodiumContext, principal: Principal, submissionId: string): Promise<FinalSelectionView> {
  const { submission, challenge, phase, limit } = await selectable(ctx, principal, submissionId, false);
  const { challengeId, phaseId, teamId } = submission;
  await removeFromFinalSelection(ctx, challengeId, phaseId, teamId, submission.id);
  await refreshPrivateEntry(ctx, challenge, phaseId, teamId);
  return view(ctx, challengeId, phaseId, teamId, limit, phase.closes);
}
