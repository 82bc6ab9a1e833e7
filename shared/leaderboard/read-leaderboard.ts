import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChallengeFile } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { LEADERBOARD_INDEX, keys, leaderboardPartition } from '../storage/table-design.ts';
import type { LeaderboardEntry } from './leaderboard-entry.ts';
import { boardForView, type BoardSplit, type ScoreSplit } from './leaderboard-splits.ts';

export interface LeaderboardRow {
  /**
   * Standard competition ranking: equal scores share a rank and the next rank skips ("1, 2, 2, 4").
   * Secondary scores break ties of the primary one, in the challenge's order; entries equal on
   * every score share a rank, the earlier submission listed first.
   */
  rank: number;
  teamId: string;
  teamName?: string;
  score: number;
  /** The challenge's secondary scores on this board, by name (full precision). */
  secondaryScores?: Record<string, number>;
  submissionId: string;
  submittedAt: string;
  /** The organiser's reference submission: listed and ranked like any team, marked as such. */
  baseline?: boolean;
}

export interface LeaderboardPage {
  /** The board that served the view (`overall` for a phase without public/private split). */
  split: BoardSplit;
  entries: LeaderboardRow[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

interface CursorState {
  /** Index key of the last entry returned. */
  key: Record<string, string>;
  /** Entries shown so far, the last one's rank and score: ranks continue across pages. */
  shown: number;
  rank: number;
  score: number;
  /** The last entry's rank sort key without its time: the next entry ties it when equal. */
  tie?: string;
}

/** The part of a rank sort key that ranks (scores); the submission time after the last `#` only orders ties. */
const tieOf = (lbsk: string) => lbsk.slice(0, lbsk.lastIndexOf('#'));

const encodeCursor = (state: CursorState) => Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');

function decodeCursor(cursor: string): CursorState {
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorState;
    if (typeof state.key?.lbpk === 'string' && Number.isInteger(state.shown) && Number.isInteger(state.rank) && typeof state.score === 'number') return state;
  } catch {
    // fall through
  }
  throw new PodiumError('VALIDATION_FAILED', 'the leaderboard cursor is not one this service returned');
}

interface TeamFacts {
  name?: string;
  /** Disqualified, or merged into another team (whose entry now carries its submissions). */
  hidden: boolean;
}

async function readTeams(ctx: PodiumContext, challengeId: string, teamIds: string[]): Promise<Map<string, TeamFacts>> {
  const facts = new Map<string, TeamFacts>();
  for (let i = 0; i < teamIds.length; i += 100) {
    let request:
      Record<string, { Keys: Record<string, unknown>[]; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }> | undefined = {
      [ctx.config.tableName]: {
        Keys: teamIds.slice(i, i + 100).map((teamId) => keys.team(challengeId, teamId)),
        ProjectionExpression: 'teamId, #name, disqualified, mergedInto',
        ExpressionAttributeNames: { '#name': 'name' },
      },
    };
    while (request && Object.keys(request).length > 0) {
      const result = await ctx.db.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[ctx.config.tableName] ?? []) {
        facts.set(String(item.teamId), {
          ...(typeof item.name === 'string' ? { name: item.name } : {}),
          hidden: item.disqualified === true || typeof item.mergedInto === 'string',
        });
      }
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return facts;
}

/**
 * One page of a phase's leaderboard, best first. Disqualified teams are left out when listing (the
 * flag lives on the team item, so reinstating a team brings its entry back); smoke runs never
 * have entries. `view` is the leaderboard asked for; see `boardForView` for phases without split.
 *
 * @example const page = await readLeaderboard(ctx, challenge, 'learning', 'public', { limit: 20 });
 */
export async function readLeaderboard(
  ctx: PodiumContext,
  challenge: ChallengeFile,
  phaseId: string,
  view: ScoreSplit,
  options: { limit?: number; cursor?: string } = {},
): Promise<LeaderboardPage> {
  const split = boardForView(challenge, phaseId, view);
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new PodiumError('VALIDATION_FAILED', 'limit must be an integer from 1 to 1000');
  const partition = leaderboardPartition(challenge.id, phaseId, split);
  const state: CursorState = options.cursor ? decodeCursor(options.cursor) : { key: {}, shown: 0, rank: 0, score: NaN };
  if (options.cursor && state.key.lbpk !== partition) throw new PodiumError('VALIDATION_FAILED', 'the leaderboard cursor belongs to another leaderboard');
  const entries: LeaderboardRow[] = [];
  let startKey: Record<string, unknown> | undefined = options.cursor ? state.key : undefined;
  let more = true;
  while (entries.length < limit && more) {
    const page = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tableName,
        IndexName: LEADERBOARD_INDEX.name,
        KeyConditionExpression: '#lbpk = :board',
        ExpressionAttributeNames: { '#lbpk': LEADERBOARD_INDEX.partition },
        ExpressionAttributeValues: { ':board': partition },
        ExclusiveStartKey: startKey,
        Limit: limit - entries.length + 1,
      }),
    );
    const items = (page.Items ?? []) as LeaderboardEntry[];
    const teams = await readTeams(ctx, challenge.id, [...new Set(items.map((item) => item.teamId))]);
    let consumed = 0;
    for (const item of items) {
      if (entries.length === limit) break;
      consumed++;
      state.key = { pk: item.pk, sk: item.sk, lbpk: item.lbpk, lbsk: item.lbsk };
      const team = teams.get(item.teamId);
      if (team?.hidden) continue;
      state.shown++;
      const tie = tieOf(item.lbsk);
      if (state.tie !== undefined ? tie !== state.tie : item.score !== state.score) state.rank = state.shown;
      state.score = item.score;
      state.tie = tie;
      entries.push({
        rank: state.rank,
        teamId: item.teamId,
        ...(team?.name !== undefined ? { teamName: team.name } : {}),
        score: item.score,
        ...(item.secondaryScores ? { secondaryScores: item.secondaryScores } : {}),
        submissionId: item.submissionId,
        submittedAt: item.submittedAt,
        ...(item.baseline ? { baseline: true } : {}),
      });
    }
    startKey = page.LastEvaluatedKey;
    more = consumed < items.length || startKey !== undefined;
    if (consumed < items.length) break;
  }
  return { split, entries, ...(more && entries.length > 0 ? { nextCursor: encodeCursor(state) } : {}) };
}
