import type { Challenge } from '../challenge/challenge.ts';
import { findPhase } from '../challenge/challenge.ts';
import type { PhaseControl } from './phase-control.ts';
import type { SubmissionRecord } from './submission-record.ts';

/** Scores are stored at full precision and rounded only for display. */
export function roundScore(score: number, precision: number): number {
  return Number(score.toFixed(precision));
}

/**
 * Which of a submission's scores its team may see now. A `private-until-published` phase shows no
 * score before publication (not even the team's own); on a public phase whose test set has a
 * private split, the private and overall scores (overall includes the private rows) wait too.
 */
export function visibleScores(challenge: Challenge, submission: SubmissionRecord, control: PhaseControl, asOrganiser: boolean) {
  const scores = submission.scores;
  if (!scores || submission.status !== 'SCORED') return undefined;
  const phase = findPhase(challenge, submission.phaseId);
  const everything = asOrganiser || control.published || submission.mode === 'smoke';
  let splits: readonly ('overall' | 'public' | 'private')[];
  if (everything) splits = ['overall', 'public', 'private'];
  else if (!phase || phase.leaderboard === 'private-until-published') return undefined;
  else splits = scores.private === undefined && scores.public === undefined ? ['overall'] : ['public'];
  const pick = (each: { overall: number; public?: number; private?: number }, precision: number) =>
    Object.fromEntries(splits.flatMap((split) => (each[split] === undefined ? [] : [[split, roundScore(each[split]!, precision)]]))) as {
      overall?: number;
      public?: number;
      private?: number;
    };
  // Secondary scores follow the primary one's visibility, each rounded to its own precision.
  const secondary = Object.fromEntries(
    (challenge.secondaryMetrics ?? []).flatMap((metric) => {
      const each = scores.secondary?.[metric.name];
      return each ? [[metric.name, pick(each, metric.precision ?? challenge.scorePrecision)]] : [];
    }),
  );
  return { ...pick(scores, challenge.scorePrecision), ...(Object.keys(secondary).length > 0 ? { secondary } : {}) };
}

/** A submission as its team sees it: status, visible scores, sanitised failure; no storage keys. */
export function submissionView(challenge: Challenge, submission: SubmissionRecord, control: PhaseControl, asOrganiser = false) {
  const score = visibleScores(challenge, submission, control, asOrganiser);
  return {
    id: submission.id,
    challengeId: submission.challengeId,
    phaseId: submission.phaseId,
    teamId: submission.teamId,
    mode: submission.mode,
    status: submission.status,
    createdAt: submission.createdAt,
    updatedAt: submission.updatedAt,
    ...(submission.archiveBytes !== undefined ? { archiveBytes: submission.archiveBytes } : {}),
    ...(submission.note ? { note: submission.note } : {}),
    // `detail` may quote what the code printed on hidden data: organisers only.
    ...(submission.failure
      ? {
          failure: {
            reason: submission.failure.reason,
            message: submission.failure.message,
            ...(asOrganiser && submission.failure.detail ? { detail: submission.failure.detail } : {}),
          },
        }
      : {}),
    ...(score ? { score: JSON.parse(JSON.stringify(score)) as typeof score } : {}),
    // Coarse and rounded when recorded (run-usage.ts), so safe for the team even on hidden data.
    ...(submission.run ? { run: submission.run } : {}),
    ...(submission.baseline ? { baseline: true } : {}),
    // The score shown is a rerun's, applied by an organiser; the scores it replaced may be private, so only organisers see them.
    ...(submission.rerunApplied
      ? {
          rerunApplied: {
            rerunId: submission.rerunApplied.rerunId,
            appliedAt: submission.rerunApplied.appliedAt,
            ...(asOrganiser ? { appliedBy: submission.rerunApplied.appliedBy, previous: submission.rerunApplied.previous } : {}),
          },
        }
      : {}),
    ...(asOrganiser
      ? {
          submittedBy: submission.submittedBy,
          ...(submission.organiserRun ? { organiserRun: true } : {}),
          attempt: submission.attempt,
          archiveKey: submission.archiveKey,
          ...(submission.scores ? { scorerVersion: submission.scores.scorerVersion, scoredAt: submission.scores.scoredAt } : {}),
        }
      : {}),
  };
}

export type SubmissionView = ReturnType<typeof submissionView>;
