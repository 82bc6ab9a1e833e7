/**
 * The version of the scoring rules (parsing, validation, metrics). Recorded on every score record
 * and on `submission.scores`; bump it when a fix can change a score, then rescore the phase so
 * score records of both versions sit side by side and the leaderboard is rebuilt from the new one.
 */
export const SCORER_VERSION = '1.0.0';
