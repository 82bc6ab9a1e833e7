import type { ChallengeFile } from '../challenge/definition-schema.ts';
import { findDataset, requirePhase } from '../challenge/challenge.ts';
import { PodiumError } from '../errors.ts';
import type { SubmissionScores } from '../submissions/submission-record.ts';

/**
 * Leaderboard splits. A phase whose dataset has a split column keeps two boards: `public` ranked
 * by the public score and `private` ranked by the private score. Without one it keeps a single
 * `overall` board, and the `public` and `private` views both read it (which view a person may
 * see is the API's business: private-until-published phases hide it until publication).
 */
export type ScoreSplit = 'overall' | 'public' | 'private';
export type BoardSplit = ScoreSplit;
export const SCORE_SPLITS: readonly ScoreSplit[] = ['overall', 'public', 'private'];

/** The score of each split a submission has, for score records: `overall` always, public/private when split. */
export function scoresBySplit(scores: Pick<SubmissionScores, 'overall' | 'public' | 'private'>): [ScoreSplit, number][] {
  return SCORE_SPLITS.flatMap((split) => (scores[split] === undefined ? [] : [[split, scores[split]!] as [ScoreSplit, number]]));
}

/** The boards a scored submission enters, with the score that ranks it on each. */
export function boardScores(scores: Pick<SubmissionScores, 'overall' | 'public' | 'private'>): [BoardSplit, number][] {
  const split = scoresBySplit(scores).filter(([name]) => name !== 'overall');
  return split.length > 0 ? split : [['overall', scores.overall]];
}

/** Whether the phase's scored dataset has public/private rows. */
export function phaseHasSplit(challenge: ChallengeFile, phaseId: string): boolean {
  const phase = requirePhase(challenge, phaseId);
  return Boolean(findDataset(challenge, phase.dataset)?.splitColumn);
}

/** The boards the phase keeps. */
export function phaseBoards(challenge: ChallengeFile, phaseId: string): BoardSplit[] {
  return phaseHasSplit(challenge, phaseId) ? ['public', 'private'] : ['overall'];
}

/** The board that serves a requested view: a phase without split columns serves every view from `overall`. */
export function boardForView(challenge: ChallengeFile, phaseId: string, view: ScoreSplit): BoardSplit {
  if (!phaseHasSplit(challenge, phaseId)) return 'overall';
  if (view === 'overall') {
    throw new PodiumError('VALIDATION_FAILED', `phase "${phaseId}" ranks by its public and private splits; ask for the public or private leaderboard`);
  }
  return view;
}
