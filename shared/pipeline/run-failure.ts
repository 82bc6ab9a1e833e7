import type { SubmissionFailure } from '../submissions/submission-record.ts';
import type { FailureReason } from '../submissions/submission-status.ts';

/**
 * A run's failure in its two wordings. `message` says everything, quoting what the code printed or
 * wrote: for smoke runs (public data), `podium test-submission` and organisers. `summary` is a
 * fixed category with counts, all a team may read once its code has seen hidden data: anything
 * the code chose (a stderr line, a column name, an id, an exit code) could carry that data out.
 */
export interface RunFailure {
  reason: FailureReason;
  message: string;
  summary: string;
}

/** Longest organiser-only detail kept on the submission record. */
const MAX_DETAIL_CHARS = 4000;

/** The same wording for both audiences: failures whose text the competitor's code cannot influence. */
export const fixedFailure = (reason: FailureReason, message: string): RunFailure => ({ reason, message, summary: message });

/**
 * What the submission records. After hidden data the team reads the summary, and the full
 * message is kept as organiser-only `detail`.
 */
export function recordedFailure(failure: RunFailure, sawHiddenData: boolean): SubmissionFailure {
  if (!sawHiddenData || failure.summary === failure.message) return { reason: failure.reason, message: failure.message };
  return { reason: failure.reason, message: failure.summary, detail: failure.message.slice(0, MAX_DETAIL_CHARS) };
}
