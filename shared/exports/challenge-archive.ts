import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { SCORE_SPLITS } from '../leaderboard/leaderboard-splits.ts';
import { writeIfCondition, type Item } from '../storage/conditional-writes.ts';
import { queryAll } from '../storage/query-all.ts';
import { BY_OWNER_INDEX, BY_PHASE_INDEX, keys, leaderboardPartition, topicListPartition } from '../storage/table-design.ts';
import { phaseSubmissionsPartition } from '../submissions/submission-record.ts';

export const ARCHIVE_FORMAT = 'podium-challenge-archive/1';

/**
 * One challenge as stored, to restore into another Podium: its definition and pages (the
 * challenge item), rules versions, phase controls, participants, teams, every submission's record,
 * score records and receipts, final selections, quota counters, leaderboard entries, the audit and
 * access logs, the receipt keys and the sections of features with partitions of their own (rerun
 * requests; `ARCHIVE_SECTIONS`). Files (archives, predictions, data) are not in it.
 * String sets are written `{ "$set": [...] }` so JSON keeps them.
 */
export interface ChallengeArchive {
  format: typeof ARCHIVE_FORMAT;
  challengeId: string;
  exportedAt: string;
  pseudonymised: boolean;
  items: Item[];
}

const query = (ctx: PodiumContext, pk: string) =>
  queryAll<Item>(ctx.db, {
    TableName: ctx.config.tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ConsistentRead: true,
  });

/**
 * Items a feature keeps in partitions of its own, outside the challenge's (`CHALLENGE#<c>`, whose
 * items are all exported as they are): each such feature adds a section that finds its items from
 * the challenge id and the items gathered so far. Restore writes every item the same way, so a
 * section needs nothing on that side. Authors' ids in the discussion are pseudonymised like every
 * other id, but names or e-mails written inside posts are not.
 */
type ArchiveSection = (ctx: PodiumContext, challengeId: string, gathered: readonly Item[]) => Promise<Item[]>;

/** Rerun requests (`RERUN#<id>`: teams, verdicts, which were applied), found through the audit entries that name them. */
const rerunRequests: ArchiveSection = async (ctx, _challengeId, gathered) => {
  const rerunIds = new Set(
    gathered.filter((item) => item.kind === 'audit' && item.action === 'rerun.requested').map((item) => String((item.details as { rerunId: string }).rerunId)),
  );
  return (await Promise.all([...rerunIds].map((rerunId) => query(ctx, keys.rerunRequest(rerunId).pk)))).flat();
};

/** The discussion (issue 15): each topic's partition (opening post, replies, edit history) found through its listing, and the report queue. */
const discussion: ArchiveSection = async (ctx, challengeId) => {
  const topics = await queryAll<Item>(ctx.db, {
    TableName: ctx.config.tableName,
    IndexName: BY_OWNER_INDEX.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': BY_OWNER_INDEX.partition },
    ExpressionAttributeValues: { ':pk': topicListPartition(challengeId) },
  });
  const threads = await Promise.all(topics.map((topic) => query(ctx, String(topic.pk))));
  return [...threads.flat(), ...(await query(ctx, keys.postReport(challengeId, '', '').pk))];
};

const ARCHIVE_SECTIONS: readonly ArchiveSection[] = [rerunRequests, discussion];

export async function exportChallengeArchive(ctx: PodiumContext, challengeId: string, options: { pseudonymise: boolean }): Promise<ChallengeArchive> {
  const challenge = await getChallenge(ctx, challengeId);
  const items: Item[] = [...(await query(ctx, keys.challenge(challengeId).pk))];
  const teamIds = items.filter((item) => item.kind === 'team').map((item) => String(item.teamId));
  for (const phase of challenge.phases) {
    const submissions = await queryAll<Item>(ctx.db, {
      TableName: ctx.config.tableName,
      IndexName: BY_PHASE_INDEX.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': BY_PHASE_INDEX.partition },
      ExpressionAttributeValues: { ':pk': phaseSubmissionsPartition(challengeId, phase.id) },
    });
    for (const submission of submissions) items.push(...(await query(ctx, keys.submission(String(submission.id)).pk)));
    for (const split of SCORE_SPLITS) items.push(...(await query(ctx, leaderboardPartition(challengeId, phase.id, split))));
    for (const teamId of teamIds) {
      const selection = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.finalSelection(challengeId, phase.id, teamId) }));
      if (selection.Item) items.push(selection.Item as Item);
      items.push(...(await query(ctx, keys.quotaCounter(challengeId, phase.id, teamId, '').pk)));
    }
  }
  items.push(...(await query(ctx, keys.auditLogEntry(challengeId, '', '').pk)));
  items.push(...(await query(ctx, keys.accessLogEntry(challengeId, '', '').pk)));
  items.push(...(await query(ctx, keys.receiptKey('').pk)));
  for (const section of ARCHIVE_SECTIONS) items.push(...(await section(ctx, challengeId, items)));
  const userIds = new Set(items.filter((item) => item.kind === 'participant').map((item) => String(item.userId)));
  if (!options.pseudonymise) {
    for (const userId of userIds) {
      const user = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.user(userId) }));
      if (user.Item) items.push(user.Item as Item);
    }
  }
  const archived = items.map(encodeSets);
  return {
    format: ARCHIVE_FORMAT,
    challengeId,
    exportedAt: ctx.now().toISOString(),
    pseudonymised: options.pseudonymise,
    items: options.pseudonymise ? pseudonymised(archived, userIds) : archived,
  };
}

/**
 * Replaces each user id with `user-<n>`, each e-mail with `user-<n>@pseudonymised.invalid` and each
 * team name with `Team <n>`, wherever they appear (keys, members, actors, leaderboard entries).
 * Ids are random, so replacing their text is exact; receipts name teams by id only.
 */
function pseudonymised(items: Item[], userIds: Set<string>): Item[] {
  const replacements = new Map<string, string>();
  [...userIds].forEach((userId, index) => replacements.set(userId, `user-${index + 1}`));
  items.forEach((item) => {
    if (item.kind === 'participant' && typeof item.email === 'string')
      replacements.set(item.email, `${replacements.get(String(item.userId))}@pseudonymised.invalid`);
  });
  const teamNames = new Map<string, string>();
  items.filter((item) => item.kind === 'team').forEach((item, index) => teamNames.set(String(item.name), `Team ${index + 1}`));
  const walk = (node: unknown, field?: string): unknown => {
    if (typeof node === 'string') {
      if ((field === 'name' || field === 'teamName') && teamNames.has(node)) return teamNames.get(node);
      let text = node;
      for (const [from, to] of replacements) if (text.includes(from)) text = text.split(from).join(to);
      return text;
    }
    if (Array.isArray(node)) return node.map((child) => walk(child));
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child, key)]));
    return node;
  };
  // Free-text registration answers (an affiliation, a country) identify people: a pseudonymised archive has none.
  return items.map((item) => walk(item.kind === 'participant' ? { ...item, answers: undefined } : item) as Item);
}

function encodeSets(item: Item): Item {
  const walk = (node: unknown): unknown => {
    if (node instanceof Set) return { $set: [...node].sort() };
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
    return node;
  };
  return walk(item) as Item;
}

function decodeSets(item: Item): Item {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') {
      const entries = Object.entries(node);
      if (entries.length === 1 && entries[0]![0] === '$set' && Array.isArray(entries[0]![1])) return new Set(entries[0]![1] as unknown[]);
      return Object.fromEntries(entries.map(([key, child]) => [key, walk(child)]));
    }
    return node;
  };
  return walk(item) as Item;
}

/**
 * Writes an archive's items into this Podium's table, each only if absent (a conditional put), so
 * restoring twice, or into a stack that already has the challenge registered, changes nothing
 * already there. Returns how many items were written and how many were already present.
 */
export async function restoreChallengeArchive(ctx: PodiumContext, archive: unknown): Promise<{ challengeId: string; written: number; present: number }> {
  const candidate = archive as Partial<ChallengeArchive>;
  if (candidate?.format !== ARCHIVE_FORMAT || typeof candidate.challengeId !== 'string' || !Array.isArray(candidate.items)) {
    throw new PodiumError('VALIDATION_FAILED', `not a Podium challenge archive (expected format "${ARCHIVE_FORMAT}" with challengeId and items)`);
  }
  const malformed = candidate.items.findIndex((item) => typeof item?.pk !== 'string' || typeof item?.sk !== 'string');
  if (malformed >= 0) throw new PodiumError('VALIDATION_FAILED', `items[${malformed}] has no string pk and sk`);
  let written = 0;
  for (const item of candidate.items) {
    const created = await writeIfCondition(
      ctx.db,
      new PutCommand({ TableName: ctx.config.tableName, Item: decodeSets(item), ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    if (created) written++;
  }
  return { challengeId: candidate.challengeId, written, present: candidate.items.length - written };
}
