/**
 * The version of the scoring rules (parsing, validation, metrics). Recorded on every score record
 * and on `submission.scores`; bump it when a fix can change a score, then rescore the phase so
 * score records of both versions sit side by side and the leaderboard is rebuilt from the new one.
 */
// 1.1.0: log loss clips p before taking 1 − p, as scikit-learn does; 1.0.0 clipped 1 − p, which cost
// a confident miss on a negative row 0.1 more than scikit-learn with eps 1e-16 (0.0008 with 1e-15).
export const SCORER_VERSION = '1.1.0';
