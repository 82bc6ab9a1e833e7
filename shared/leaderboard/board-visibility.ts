import { requirePhase, type Challenge } from '../challenge/challenge.ts';
import type { Principal } from '../identity/principal.ts';
import { phaseHasSplit } from './leaderboard-splits.ts';

export type BoardSplit = 'public' | 'private';

/**
 * Who may see a board now. A `private-until-published` phase shows nothing before publication;
 * on other phases only the private split waits. Organisers always see everything.
 *
 * @example boardVisible(challenge, 'final', 'private', false, undefined) // false until publication
 */
export function boardVisible(challenge: Challenge, phaseId: string, split: BoardSplit, published: boolean, viewer: Principal | undefined): boolean {
  const phase = requirePhase(challenge, phaseId);
  const restricted = phase.leaderboard === 'private-until-published' || (split === 'private' && phaseHasSplit(challenge, phaseId));
  return !restricted || published || viewer?.organiser === true;
}
