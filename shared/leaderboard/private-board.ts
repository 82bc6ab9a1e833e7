import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_FINAL_SELECTIONS, higherIsBetter, type ChallengeFile } from '../challenge/definition-schema.ts';
import { findPhase } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { rankSortKey } from '../storage/rank-sort-key.ts';
import { keys } from '../storage/table-design.ts';
import { withRetries } from '../retry.ts';
import { readFinalSelection } from '../submissions/final-selection-record.ts';
import { listTeamSubmissions } from '../submissions/list-submissions.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import { ranksOnBoard } from './board-candidacy.ts';
import { buildLeaderboardEntry, secondaryScoresOn, tieBreakersOf, type LeaderboardEntry } from './leaderboard-entry.ts';
import { phaseHasSplit } from './leaderboard-splits.ts';

/**
 * The private board ranks what each team chose, not its best private score (choosing by the
 * private split would inflate the winners' scores): the best private score among the team's
 * final selections, or, when it selected nothing, among its top N submissions by public score
 * (ties to the earlier submission). N is the phase's `finalSelections`.
 *
 * The board stays a stored board in the `leaderboard` index, so reading it costs what the public
 * one does: each team's entry is recomputed from its own submissions when one of them is scored
 * and when its selection changes, and the whole board on a rescore or a merge.
 */

/** How many submissions a team's private entry is chosen from; 0 on a phase without split (no private board). */
export function finalSelectionsOf(challenge: ChallengeFile, phaseId: string): number {
  if (!phaseHasSplit(challenge, phaseId)) return 0;
  return findPhase(challenge, phaseId)?.finalSelections ?? DEFAULT_FINAL_SELECTIONS;
}

const ranks = (submission: SubmissionRecord): boolean => ranksOnBoard(submission) && submission.status === 'SCORED' && submission.scores !== undefined;

/** The team's submissions that count on the private board: its selections, else its top N by public score. */
export function countedSubmissions(
  challenge: ChallengeFile,
  phaseId: string,
  submissions: SubmissionRecord[],
  selected: ReadonlySet<string>,
): SubmissionRecord[] {
  const candidates = submissions.filter((submission) => submission.phaseId === phaseId && ranks(submission));
  const chosen = candidates.filter((submission) => selected.has(submission.id));
  if (chosen.length > 0) return chosen;
  const higher = higherIsBetter(challenge.metric);
  const byPublic = candidates
    .filter((submission) => submission.scores!.public !== undefined)
    .map((submission) => ({
      submission,
      key: rankSortKey(submission.scores!.public!, higher, submission.createdAt, tieBreakersOf(challenge, secondaryScoresOn(submission.scores!, 'public'))),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return byPublic.slice(0, finalSelectionsOf(challenge, phaseId)).map(({ submission }) => submission);
}

/** The team's private-board entry under the selection rule; undefined when nothing of it counts. */
export function privateEntryOf(
  challenge: ChallengeFile,
  phaseId: string,
  submissions: SubmissionRecord[],
  selected: ReadonlySet<string>,
): LeaderboardEntry | undefined {
  let best: LeaderboardEntry | undefined;
  for (const submission of countedSubmissions(challenge, phaseId, submissions, selected)) {
    const score = submission.scores!.private;
    if (score === undefined) continue;
    const candidate = buildLeaderboardEntry(submission, challenge, 'private', score, submission.scores!);
    if (!best || candidate.lbsk < best.lbsk) best = candidate;
  }
  return best;
}

export type EntryChange = 'written' | 'removed' | 'unchanged';

const sameEntry = (a: LeaderboardEntry | undefined, b: LeaderboardEntry | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.submissionId === b.submissionId &&
    a.score === b.score &&
    a.scorerVersion === b.scorerVersion &&
    a.lbsk === b.lbsk &&
    Boolean(a.baseline) === Boolean(b.baseline) &&
    JSON.stringify(a.secondaryScores ?? {}) === JSON.stringify(b.secondaryScores ?? {}));

const MAX_ATTEMPTS = 8;

/**
 * Recomputes one team's private entry from its scored submissions and its selection, and stores
 * it (or removes it when nothing counts). `fresh` is a submission just scored, which the index
 * may not show yet. Every refresh that changes the entry writes a new `revision`, conditional on the revision it read: a
 * refresh that computed from an older selection or score, while another refresh stored a newer
 * one, fails its write and computes again, so the last entry written is never a stale one.
 */
export async function refreshPrivateEntry(
  ctx: PodiumContext,
  challenge: ChallengeFile,
  phaseId: string,
  teamId: string,
  fresh?: SubmissionRecord,
): Promise<EntryChange> {
  if (finalSelectionsOf(challenge, phaseId) === 0) return 'unchanged';
  const table = ctx.config.tableName;
  const key = keys.leaderboardEntry(challenge.id, phaseId, 'private', teamId);
  // A lost conditional write means another refresh stored a newer entry: compute again from it.
  return withRetries(
    async () => {
      const [stored, listed, selected] = await Promise.all([
        ctx.db
          .send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))
          .then((result) => result.Item as (LeaderboardEntry & { revision?: string }) | undefined),
        listTeamSubmissions(ctx, challenge.id, teamId, phaseId),
        readFinalSelection(ctx, challenge.id, phaseId, teamId),
      ]);
      // The team's own: a submission moved to another team by a merge may still sit under this index key.
      const own = listed.filter((submission) => submission.teamId === teamId && submission.id !== fresh?.id);
      const submissions = fresh?.teamId === teamId ? [...own, fresh] : own;
      const entry = privateEntryOf(challenge, phaseId, submissions, selected);
      const condition = stored?.revision
        ? { ConditionExpression: 'revision = :seen', ExpressionAttributeValues: { ':seen': stored.revision } }
        : { ConditionExpression: stored ? 'attribute_not_exists(revision)' : 'attribute_not_exists(pk)' };
      // Nothing to change: no write, so replayed events and repeated scoring jobs leave the board as it is.
      if (sameEntry(stored, entry)) return 'unchanged';
      const change: EntryChange = entry ? 'written' : 'removed';
      const applied = entry
        ? await writeIfCondition(ctx.db, new PutCommand({ TableName: table, Item: { ...entry, revision: randomUUID() }, ...condition }))
        : !stored || (await writeIfCondition(ctx.db, new DeleteCommand({ TableName: table, Key: key, ...condition })));
      if (!applied) throw new EntryChanged(teamId);
      return change;
    },
    { attempts: MAX_ATTEMPTS, delayMs: () => 0, retryable: (error) => error instanceof EntryChanged },
  );
}

class EntryChanged extends Error {
  constructor(teamId: string) {
    super(`the private leaderboard entry of team ${teamId} kept changing under ${MAX_ATTEMPTS} refreshes`);
  }
}
