import type { SubmissionRecord } from '../submissions/submission-record.ts';

/**
 * Whether a scored submission may stand on the phase's leaderboards: runs on hidden data (never
 * smoke runs), and of those an organiser's own test run only once it is marked as the baseline —
 * organisers trying their challenge must not push teams down the board.
 */
export function ranksOnBoard(submission: Pick<SubmissionRecord, 'mode' | 'organiserRun' | 'baseline'>): boolean {
  return submission.mode === 'scored' && (submission.organiserRun !== true || submission.baseline === true);
}
