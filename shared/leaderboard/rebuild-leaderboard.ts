import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { higherIsBetter, type ChallengeFile } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { putIfBetterScore, writeIfCondition } from '../storage/conditional-writes.ts';
import { leaderboardPartition } from '../storage/table-design.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import { ranksOnBoard } from './board-candidacy.ts';
import { buildLeaderboardEntry, type LeaderboardEntry } from './leaderboard-entry.ts';
import { boardScores, phaseBoards } from './leaderboard-splits.ts';
import { scoredSubmissionsOfPhase } from './phase-submissions.ts';
import { finalSelectionsOf, refreshPrivateEntry } from './private-board.ts';

export interface RebuildSummary {
  /** Entries written or replaced, per board. */
  written: number;
  /** Entries removed: teams left without a scored submission on that board. */
  removed: number;
  unchanged: number;
}

async function storedEntries(ctx: PodiumContext, partition: string): Promise<Map<string, LeaderboardEntry>> {
  const entries = new Map<string, LeaderboardEntry>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tableName,
        KeyConditionExpression: 'pk = :board',
        ExpressionAttributeValues: { ':board': partition },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of (page.Items ?? []) as LeaderboardEntry[]) entries.set(item.teamId, item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return entries;
}

const sameEntry = (a: LeaderboardEntry, b: LeaderboardEntry) =>
  a.submissionId === b.submissionId &&
  a.score === b.score &&
  a.scorerVersion === b.scorerVersion &&
  a.lbsk === b.lbsk &&
  Boolean(a.baseline) === Boolean(b.baseline) &&
  JSON.stringify(a.secondaryScores ?? {}) === JSON.stringify(b.secondaryScores ?? {});

/**
 * Recomputes every board of a phase from the submissions' current scores (after a metric fix or a
 * rescore): each team's best entry is rewritten, entries of teams with no scored submission are
 * removed. Quotas are untouched. Each write is conditional on the entry still being the one read,
 * so a score recorded concurrently is never overwritten by a stale rebuild: on a conflict the
 * rebuilt candidate only goes in if it is better. The private board of a phase with final
 * selections is recomputed team by team under the selection rule (`refreshPrivateEntry`).
 */
export async function rebuildLeaderboard(ctx: PodiumContext, challenge: ChallengeFile, phaseId: string, fresh?: SubmissionRecord): Promise<RebuildSummary> {
  const table = ctx.config.tableName;
  const higher = higherIsBetter(challenge.metric);
  // `fresh`: a submission just changed, which the index may not show yet.
  const listed = (await scoredSubmissionsOfPhase(ctx, challenge.id, phaseId)).filter((submission) => submission.id !== fresh?.id);
  const submissions = [...listed, ...(fresh?.status === 'SCORED' && fresh.phaseId === phaseId ? [fresh] : [])].filter(ranksOnBoard);
  const summary: RebuildSummary = { written: 0, removed: 0, unchanged: 0 };
  for (const split of phaseBoards(challenge, phaseId)) {
    if (split === 'private' && finalSelectionsOf(challenge, phaseId) > 0) {
      const stored = await storedEntries(ctx, leaderboardPartition(challenge.id, phaseId, split));
      const teams = new Set([...submissions.map((submission) => submission.teamId), ...stored.keys()]);
      for (const teamId of teams) summary[await refreshPrivateEntry(ctx, challenge, phaseId, teamId, fresh)]++;
      continue;
    }
    const best = new Map<string, LeaderboardEntry>();
    for (const submission of submissions) {
      if (!submission.scores) continue;
      const score = boardScores(submission.scores).find(([board]) => board === split)?.[1];
      if (score === undefined) continue;
      const candidate = buildLeaderboardEntry(submission, challenge, split, score, submission.scores);
      const current = best.get(submission.teamId);
      if (!current || candidate.lbsk < current.lbsk) best.set(submission.teamId, candidate);
    }
    const stored = await storedEntries(ctx, leaderboardPartition(challenge.id, phaseId, split));
    for (const [teamId, candidate] of best) {
      const seen = stored.get(teamId);
      if (seen && sameEntry(seen, candidate)) {
        summary.unchanged++;
        continue;
      }
      const replaced = await writeIfCondition(
        ctx.db,
        new PutCommand({
          TableName: table,
          Item: candidate,
          ConditionExpression: seen ? 'submissionId = :seen AND scorerVersion = :seenVersion AND lbsk = :seenKey' : 'attribute_not_exists(pk)',
          ...(seen ? { ExpressionAttributeValues: { ':seen': seen.submissionId, ':seenVersion': seen.scorerVersion, ':seenKey': seen.lbsk } } : {}),
        }),
      );
      // Changed since it was read (a score recorded meanwhile): keep whichever is better.
      if (replaced || (await putIfBetterScore(ctx.db, table, candidate, higher))) summary.written++;
    }
    for (const [teamId, seen] of stored) {
      if (best.has(teamId)) continue;
      const removed = await writeIfCondition(
        ctx.db,
        new DeleteCommand({
          TableName: table,
          Key: { pk: seen.pk, sk: seen.sk },
          ConditionExpression: 'submissionId = :seen AND lbsk = :seenKey',
          ExpressionAttributeValues: { ':seen': seen.submissionId, ':seenKey': seen.lbsk },
        }),
      );
      if (removed) summary.removed++;
    }
  }
  return summary;
}
