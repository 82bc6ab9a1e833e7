import type { ChallengeFile } from '../challenge/definition-schema.ts';
import type { ScoringProgram } from '../challenge/scoring-program.ts';

/**
 * The version of the scoring rules (parsing, validation, metrics). Recorded on every score record
 * and on `submission.scores`; bump it when a fix can change a score, then rescore the phase so
 * score records of both versions sit side by side and the leaderboard is rebuilt from the new one.
 */
// 1.1.0: log loss clips p before taking 1 − p, as scikit-learn does; 1.0.0 clipped 1 − p, which cost
// a confident miss on a negative row 0.1 more than scikit-learn with eps 1e-16 (0.0008 with 1e-15).
export const SCORER_VERSION = '1.1.0';

/**
 * The scorer version recorded on a challenge's scores: an organiser's program's digest
 * (`sha256:<hex>`), followed by SCORER_VERSION when built-in secondary metrics are computed beside
 * it; SCORER_VERSION alone for built-in metrics.
 *
 * @example scorerVersionOf(visiomel) // 'sha256:3f…a9'
 */
export function scorerVersionOf(challenge: Pick<ChallengeFile, 'metric' | 'secondaryMetrics'> & { scoringProgram?: ScoringProgram }): string {
  if (challenge.metric.kind !== 'program' || !challenge.scoringProgram) return SCORER_VERSION;
  const builtIn = (challenge.secondaryMetrics ?? []).some((metric) => metric.kind !== 'program');
  return `sha256:${challenge.scoringProgram.sha256}${builtIn ? `+${SCORER_VERSION}` : ''}`;
}
