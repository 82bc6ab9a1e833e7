import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import type { LeaderboardEntry } from '../leaderboard/leaderboard-entry.ts';
import { rebuildLeaderboard, type RebuildSummary } from '../leaderboard/rebuild-leaderboard.ts';
import { replaceScoreRecords } from '../leaderboard/score-record.ts';
import { scorerVersionOf } from '../scoring/scorer-version.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { getSubmission, type AppliedRerunMark, type SubmissionRecord, type SubmissionScores } from '../submissions/submission-record.ts';
import { getRerun, type RerunRequestRecord, type RerunResult, type RerunTeam } from './rerun-request.ts';

export type TeamApplication =
  | { teamId: string; submissionId: string; outcome: 'applied' | 'already-applied'; previousScore: number; newScore: number; appliedAt: string }
  | { teamId: string; submissionId: string; outcome: 'skipped'; reason: string };

export interface RerunApplication {
  rerunId: string;
  challengeId: string;
  phaseId: string;
  split: RerunRequestRecord['split'];
  /** True when every team to apply had been applied before: this call changed nothing. */
  alreadyApplied: boolean;
  teams: TeamApplication[];
  leaderboard?: RebuildSummary;
}

const scoreOn = (scores: Pick<SubmissionScores, 'overall' | 'public' | 'private'>, split: RerunRequestRecord['split']) => scores[split] ?? scores.overall;

/** Why a team's rerun has nothing to apply, or undefined when its scores differ and can replace the recorded ones. */
function nothingToApply(result: RerunResult): string | undefined {
  if (!result.rerunScores || result.rerunScore === undefined) {
    return result.failure
      ? `its rerun produced no score (${result.failure}); nothing to apply (the committee may disqualify the team instead)`
      : 'the rerun recorded no scores to apply (it ran before reruns kept them); request a new rerun';
  }
  if (result.scoreDifference === 0) return `its rerun scored the same (${result.rerunScore}); nothing to apply`;
  return undefined;
}

/**
 * The board this rerun compared must still be the board now: each of its teams still ranked with
 * the same submission, scored as it was then (or as this rerun applied), under the same scorer.
 * Otherwise applying would overwrite a later rescore or score a submission that no longer ranks.
 */
async function assertNotStale(ctx: PodiumContext, request: RerunRequestRecord, currentScorer: string): Promise<Map<string, SubmissionRecord>> {
  const stale = (why: string) =>
    new PodiumError(
      'CONFLICT',
      `rerun ${request.rerunId} is stale: ${why} since it was requested at ${request.requestedAt}; ` +
        `request a new rerun (podium rerun --phase ${request.phaseId} --top ${request.top})`,
      { rerunId: request.rerunId },
    );
  const submissions = new Map<string, SubmissionRecord>();
  for (const team of request.teams) {
    const submission = await getSubmission(ctx, team.submissionId);
    const appliedHere = submission.rerunApplied?.rerunId === request.rerunId;
    if (submission.status !== 'SCORED') throw stale(`submission ${team.submissionId} of team ${team.teamId} became ${submission.status}`);
    if (submission.attempt !== team.attempt) throw stale(`submission ${team.submissionId} of team ${team.teamId} ran again (attempt ${submission.attempt})`);
    if (!appliedHere && submission.scores?.scoredAt !== team.scores.scoredAt)
      throw stale(`submission ${team.submissionId} of team ${team.teamId} was scored again (at ${submission.scores?.scoredAt})`);
    const entry = await ctx.db.send(
      new GetCommand({
        TableName: ctx.config.tableName,
        Key: keys.leaderboardEntry(request.challengeId, request.phaseId, request.split, team.teamId),
        ConsistentRead: true,
      }),
    );
    const ranked = (entry.Item as LeaderboardEntry | undefined)?.submissionId;
    // A team whose applied rerun score made another of its selected submissions its best has moved by this rerun's own doing.
    if (ranked !== team.submissionId && !appliedHere) {
      throw stale(`team ${team.teamId} ${ranked ? `now ranks with submission ${ranked}` : 'is no longer on the board'} on the ${request.split} board`);
    }
    submissions.set(team.teamId, submission);
  }
  for (const result of request.results ?? []) {
    const version = result.rerunScores?.scorerVersion;
    if (version && version !== currentScorer) throw stale(`the challenge's scorer changed (${version} → ${currentScorer})`);
  }
  return submissions;
}

/**
 * Puts the rerun's scores on the submission, once: the first write needs the scores the rerun
 * compared (`scoredAt`), so a rescore since is never overwritten. Returns the mark now stored,
 * this call's or that of an earlier call of the same rerun (a repeat after a crash, or a race).
 */
async function markSubmission(
  ctx: PodiumContext,
  request: RerunRequestRecord,
  team: RerunTeam,
  submission: SubmissionRecord,
  rerunScores: Omit<SubmissionScores, 'scoredAt'>,
  appliedBy: string,
): Promise<{ mark: AppliedRerunMark; scores: SubmissionScores }> {
  const earlier = submission.rerunApplied;
  if (earlier?.rerunId === request.rerunId) return { mark: earlier, scores: submission.scores! };
  const appliedAt = ctx.now().toISOString();
  const mark: AppliedRerunMark = { rerunId: request.rerunId, appliedBy, appliedAt, previous: submission.scores! };
  const scores: SubmissionScores = { ...rerunScores, scoredAt: appliedAt };
  const written = await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.submission(submission.id),
      UpdateExpression: 'SET scores = :scores, rerunApplied = :mark',
      ConditionExpression: '#status = :scored AND attempt = :attempt AND scores.scoredAt = :compared',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':scores': scores, ':mark': mark, ':scored': 'SCORED', ':attempt': team.attempt, ':compared': team.scores.scoredAt },
    }),
  );
  if (written) return { mark, scores };
  const now = await getSubmission(ctx, submission.id);
  const concurrent = now.rerunApplied;
  if (concurrent?.rerunId === request.rerunId) return { mark: concurrent, scores: now.scores! };
  throw new PodiumError(
    'CONFLICT',
    `submission ${submission.id} of team ${team.teamId} changed while rerun ${request.rerunId} was applied; request a new rerun`,
    {
      rerunId: request.rerunId,
    },
  );
}

/**
 * Applies a finished rerun: for each chosen team whose rerun scored differently, the ranked
 * submission's recorded scores become the rerun's (score records replaced, the old scores kept on
 * the submission's `rerunApplied` mark and in the audit log), then the phase's boards are
 * rebuilt. By default the teams whose verdict is `different`; `teams` chooses among the rerun's
 * teams (a `within-tolerance` one included). Quotas never change.
 *
 * Each step is conditional and repeatable: a team is applied once (`appliedTeams` on the request,
 * one audit entry keyed by the rerun and team), so applying again changes nothing and says so.
 * Refused while the rerun runs, when it failed, and when it is stale (`assertNotStale`).
 */
export async function applyRerun(ctx: PodiumContext, input: { rerunId: string; teams?: readonly string[]; appliedBy: string }): Promise<RerunApplication> {
  const request = await getRerun(ctx, input.rerunId);
  if (request.status === 'QUEUED' || request.status === 'RUNNING') {
    throw new PodiumError(
      'INVALID_STATE',
      `rerun ${request.rerunId} is still ${request.status}; apply it once it has SUCCEEDED (podium rerun --follow ${request.rerunId})`,
      { rerunId: request.rerunId, status: request.status },
    );
  }
  if (request.status === 'FAILED') {
    throw new PodiumError('INVALID_STATE', `rerun ${request.rerunId} FAILED (${request.message ?? 'no reason recorded'}); it has nothing to apply`, {
      rerunId: request.rerunId,
      status: request.status,
    });
  }
  const results = request.results ?? [];
  for (const teamId of input.teams ?? []) {
    if (!results.some((result) => result.teamId === teamId)) {
      throw new PodiumError(
        'VALIDATION_FAILED',
        `team "${teamId}" is not in rerun ${request.rerunId} (its teams: ${results.map((result) => result.teamId).join(', ')})`,
      );
    }
  }
  const chosen = input.teams ? results.filter((result) => input.teams!.includes(result.teamId)) : results.filter((result) => result.verdict === 'different');
  const challenge = await getChallenge(ctx, request.challengeId);
  const submissions = await assertNotStale(ctx, request, scorerVersionOf(challenge));

  const teams: TeamApplication[] = [];
  let changed = false;
  for (const result of chosen) {
    const skipped = nothingToApply(result);
    if (skipped) {
      teams.push({ teamId: result.teamId, submissionId: result.submissionId, outcome: 'skipped', reason: skipped });
      continue;
    }
    const team = request.teams.find((each) => each.teamId === result.teamId)!;
    const submission = submissions.get(result.teamId)!;
    const { mark, scores } = await markSubmission(ctx, request, team, submission, result.rerunScores!, input.appliedBy);
    // Later scores of the same scorer replace the records; the originals stay on the mark and in the audit entry.
    await replaceScoreRecords(ctx, submission, scores);
    const previousScore = scoreOn(mark.previous, request.split);
    const newScore = scoreOn(scores, request.split);
    await recordAudit(
      ctx,
      request.challengeId,
      {
        actor: mark.appliedBy,
        action: 'rerun.applied',
        target: `${request.challengeId}/${request.phaseId}`,
        details: {
          rerunId: request.rerunId,
          teamId: result.teamId,
          submissionId: result.submissionId,
          split: request.split,
          previousScore,
          newScore,
          verdict: result.verdict,
        },
      },
      { at: mark.appliedAt, id: `${request.rerunId}#${result.teamId}` },
    );
    const first = await writeIfCondition(
      ctx.db,
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.rerunRequest(request.rerunId),
        UpdateExpression: 'ADD appliedTeams :team',
        ConditionExpression: 'attribute_not_exists(appliedTeams) OR NOT contains(appliedTeams, :teamId)',
        ExpressionAttributeValues: { ':team': new Set([result.teamId]), ':teamId': result.teamId },
      }),
    );
    changed ||= first;
    teams.push({
      teamId: result.teamId,
      submissionId: result.submissionId,
      outcome: first ? 'applied' : 'already-applied',
      previousScore,
      newScore,
      appliedAt: mark.appliedAt,
    });
  }
  // Also after a repeat: a crash may have come between the marks and the rebuild, which changes nothing when done.
  const leaderboard = teams.some((team) => team.outcome !== 'skipped') ? await rebuildLeaderboard(ctx, challenge, request.phaseId) : undefined;
  const alreadyApplied = !changed && teams.some((team) => team.outcome === 'already-applied');
  return {
    rerunId: request.rerunId,
    challengeId: request.challengeId,
    phaseId: request.phaseId,
    split: request.split,
    alreadyApplied,
    teams,
    ...(leaderboard ? { leaderboard } : {}),
  };
}
