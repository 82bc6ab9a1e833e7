import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import type { ChallengeFile } from '../challenge/definition-schema.ts';
import { requirePhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { phaseBoards } from '../leaderboard/leaderboard-splits.ts';
import { readLeaderboard } from '../leaderboard/read-leaderboard.ts';
import { scoredSubmissionsQuery } from '../leaderboard/phase-submissions.ts';
import { rebuildLeaderboard } from '../leaderboard/rebuild-leaderboard.ts';
import { getPhaseControl, setPhaseSwitch, type PhaseControl } from './phase-control.ts';

/**
 * Publishing a phase shows its private board to everyone and every submission's private (and
 * overall) score to its team. Before the phase closes that would reveal the private score of
 * every later submission, turning the private split into a second public one; so it is refused
 * while the phase is open unless forced with a reason, which goes to the audit log.
 */

/** What publishing the phase makes visible, for the organiser to confirm. */
export interface PublicationPreview {
  challengeId: string;
  phaseId: string;
  published: boolean;
  closes: string;
  /** Whether the phase is still open for submissions (publishing then needs `force` and a reason). */
  open: boolean;
  /** The board that becomes public: `private`, or `overall` for a phase without split. */
  board: 'private' | 'overall';
  /** Teams listed on that board (disqualified and merged teams stay hidden). */
  boardTeams: number;
  /** SCORED scored-mode submissions whose private and overall scores their teams will see. */
  scoredSubmissions: number;
}

/** How many of them there are: the same query as the leaderboard's, counted by DynamoDB rather than read. */
async function countScoredSubmissions(ctx: PodiumContext, challengeId: string, phaseId: string): Promise<number> {
  let count = 0;
  for await (const page of paginateQuery({ client: ctx.db }, { ...scoredSubmissionsQuery(ctx, challengeId, phaseId), Select: 'COUNT' }))
    count += page.Count ?? 0;
  return count;
}

export async function publicationPreview(ctx: PodiumContext, challenge: ChallengeFile, phaseId: string): Promise<PublicationPreview> {
  const phase = requirePhase(challenge, phaseId);
  const board = phaseBoards(challenge, phaseId).includes('private') ? 'private' : 'overall';
  let boardTeams = 0;
  let cursor: string | undefined;
  do {
    const page = await readLeaderboard(ctx, challenge, phaseId, board, { limit: 1000, ...(cursor ? { cursor } : {}) });
    boardTeams += page.entries.length;
    cursor = page.nextCursor;
  } while (cursor);
  const [control, scoredSubmissions] = await Promise.all([getPhaseControl(ctx, challenge.id, phaseId), countScoredSubmissions(ctx, challenge.id, phaseId)]);
  return {
    challengeId: challenge.id,
    phaseId,
    published: control.published,
    closes: phase.closes,
    open: ctx.now().getTime() < Date.parse(phase.closes),
    board,
    boardTeams,
    scoredSubmissions,
  };
}

export interface PublishRequest {
  /** The organiser's user id. */
  by: string;
  /** Publish although the phase is still open; needs `reason`. */
  force?: boolean;
  reason?: string;
}

/**
 * Publishes the phase's final board, refused (INVALID_STATE) while the phase is open unless
 * forced with a reason. The private board is rebuilt first, so what becomes visible follows the
 * final-selection rule even if an index read lagged behind a late score. Audit-logged, with the
 * reason and whether it was forced.
 */
export async function publishPhase(ctx: PodiumContext, challenge: ChallengeFile, phaseId: string, request: PublishRequest): Promise<PhaseControl> {
  const phase = requirePhase(challenge, phaseId);
  const open = ctx.now().getTime() < Date.parse(phase.closes);
  const reason = request.reason?.trim();
  if (request.force && !reason) throw new PodiumError('VALIDATION_FAILED', 'a forced publication needs a reason: it goes to the audit log');
  if (open && !request.force) {
    throw new PodiumError(
      'INVALID_STATE',
      `phase "${phaseId}" is open until ${phase.closes}: publishing now would show every team the private score of each submission it makes until ` +
        `then. Publish after it closes, or force it with a reason (audit-logged)`,
      { closes: phase.closes },
    );
  }
  await rebuildLeaderboard(ctx, challenge, phaseId);
  const control = await setPhaseSwitch(ctx, challenge.id, phaseId, { published: true }, request.by);
  await recordAudit(ctx, challenge.id, {
    actor: request.by,
    action: 'phase.publish',
    target: phaseId,
    ...(reason ? { reason } : {}),
    details: { forced: open, closes: phase.closes },
  });
  return control;
}

/** Hides the phase's final board and private scores again (a publication by mistake); audit-logged with the reason. */
export async function unpublishPhase(
  ctx: PodiumContext,
  challenge: ChallengeFile,
  phaseId: string,
  request: { by: string; reason: string },
): Promise<PhaseControl> {
  requirePhase(challenge, phaseId);
  const reason = request.reason.trim();
  if (!reason) throw new PodiumError('VALIDATION_FAILED', 'unpublishing needs a reason: it goes to the audit log');
  const control = await setPhaseSwitch(ctx, challenge.id, phaseId, { published: false }, request.by);
  await recordAudit(ctx, challenge.id, { actor: request.by, action: 'phase.unpublish', target: phaseId, reason });
  return control;
}
