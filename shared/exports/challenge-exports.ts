import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { listAccessLog } from '../data-access/access-log.ts';
import { listParticipants } from '../participants/participant-record.ts';
import { listPhaseSubmissions } from '../submissions/list-submissions.ts';
import { listTeams } from '../teams/team-record.ts';
import { toCsv } from './csv.ts';

/** Every submission of the challenge (or one phase), one row each, for organisers. */
export async function submissionsCsv(ctx: PodiumContext, challenge: Challenge, phaseId?: string): Promise<string> {
  const phases = phaseId ? [phaseId] : challenge.phases.map((phase) => phase.id);
  const teams = new Map((await listTeams(ctx, challenge.id)).map((team) => [team.teamId, team]));
  const rows: unknown[][] = [];
  for (const phase of phases) {
    for (const submission of await listPhaseSubmissions(ctx, challenge.id, phase)) {
      const team = teams.get(submission.teamId);
      rows.push([
        submission.id,
        submission.phaseId,
        submission.teamId,
        team?.name,
        submission.submittedBy,
        submission.mode,
        submission.status,
        submission.createdAt,
        submission.updatedAt,
        submission.scores?.overall,
        submission.scores?.public,
        submission.scores?.private,
        submission.scores?.scorerVersion,
        submission.failure?.reason,
        submission.failure?.message,
        submission.baseline === true,
        team?.disqualified === true,
      ]);
    }
  }
  return toCsv(
    [
      'submissionId',
      'phase',
      'teamId',
      'teamName',
      'submittedBy',
      'mode',
      'status',
      'createdAt',
      'updatedAt',
      'overall',
      'public',
      'private',
      'scorerVersion',
      'failureReason',
      'failureMessage',
      'baseline',
      'teamDisqualified',
    ],
    rows,
  );
}

/** Every participant with their registration answers, a column per question (in the challenge's order). */
export async function participantsCsv(ctx: PodiumContext, challenge: Challenge): Promise<string> {
  const questions = challenge.registration.questions ?? [];
  const participants = await listParticipants(ctx, challenge.id);
  return toCsv(
    ['userId', 'email', 'status', 'registeredAt', 'acceptedRulesVersion', 'teamId', ...questions.map((question) => question.id)],
    participants.map((participant) => [
      participant.userId,
      participant.email,
      participant.status,
      participant.registeredAt,
      participant.acceptedRulesVersion,
      participant.teamId,
      ...questions.map((question) => participant.answers?.[question.id]),
    ]),
  );
}

export async function accessLogCsv(ctx: PodiumContext, challenge: Challenge): Promise<string> {
  const entries = await listAccessLog(ctx, challenge.id);
  return toCsv(
    ['at', 'userId', 'email', 'dataset', 'path', 'urlExpiresAt'],
    entries.map((entry) => [entry.at, entry.userId, entry.email, entry.datasetId, entry.path, entry.expiresAt]),
  );
}

export interface LeaderboardRow {
  rank: number;
  teamId: string;
  teamName: string;
  score: number;
  secondaryScores?: Record<string, number>;
  submissionId: string;
  submittedAt: string;
}

/** One row per team; a column per secondary score (by name, in ranking order) after `score`. */
export function leaderboardCsv(rows: readonly LeaderboardRow[], secondaryNames: readonly string[] = []): string {
  return toCsv(
    ['rank', 'teamId', 'teamName', 'score', ...secondaryNames, 'submissionId', 'submittedAt'],
    rows.map((row) => [
      row.rank,
      row.teamId,
      row.teamName,
      row.score,
      ...secondaryNames.map((name) => row.secondaryScores?.[name]),
      row.submissionId,
      row.submittedAt,
    ]),
  );
}
