import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The four single-item conditional writes every state change in Podium is built from. No
 * transactions: dynalite lacks them and they do not scale; each write stands alone and is safe
 * to repeat, because events arrive twice or out of order.
 */

export type ItemKey = { pk: string; sk: string };
export type Item = ItemKey & Record<string, unknown>;

export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');

type ConditionalCommand = PutCommand | UpdateCommand | DeleteCommand;

/**
 * Sends one conditional write: true when it applied, false when its condition did not hold (the
 * state was not the expected one: a duplicate or late event, a lost race). Other errors throw.
 */
export async function writeIfCondition(db: DynamoDBDocumentClient, command: ConditionalCommand): Promise<boolean> {
  try {
    // send() is overloaded per command type; any of the three is a valid write here.
    await db.send(command as PutCommand);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Creates the item unless one with the same key exists; returns the item that is stored now. */
export async function createIfAbsent<T extends ItemKey>(db: DynamoDBDocumentClient, table: string, item: T): Promise<{ created: boolean; item: T }> {
  if (await writeIfCondition(db, new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }))) {
    return { created: true, item };
  }
  const existing = await db.send(new GetCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }));
  return { created: false, item: existing.Item as T };
}

export interface TransitionRequest {
  /** Statuses the item may be in for the transition to apply. */
  from: readonly string[];
  to: string;
  /** When set, the item's `attempt` must equal this too: a stale attempt's event changes nothing. */
  attempt?: number;
  /** Attributes to set with the new status. */
  set?: Record<string, unknown>;
  /** Attributes set only when absent: a repeated transition keeps the first value. */
  setIfAbsent?: Record<string, unknown>;
  /** Attributes that must be absent or equal to this value (a job id recorded after the submit). */
  absentOrEqual?: Record<string, unknown>;
  /** Attributes to remove (for example the sparse-index keys when a state is terminal). */
  remove?: readonly string[];
  statusAttribute?: string;
}

/** Moves an item from one of `from` to `to`; returns false, changing nothing, when it was not in `from`. */
export async function transitionStatus(db: DynamoDBDocumentClient, table: string, key: ItemKey, request: TransitionRequest): Promise<boolean> {
  const statusAttribute = request.statusAttribute ?? 'status';
  const names: Record<string, string> = { '#status': statusAttribute };
  const values: Record<string, unknown> = { ':to': request.to };
  const sets = ['#status = :to'];
  const assignments = [
    ...Object.entries(request.set ?? {}).map(([attribute, value]) => ({ attribute, value, onlyIfAbsent: false })),
    ...Object.entries(request.setIfAbsent ?? {}).map(([attribute, value]) => ({ attribute, value, onlyIfAbsent: true })),
  ];
  assignments.forEach(({ attribute, value, onlyIfAbsent }, index) => {
    if (value === undefined) return;
    names[`#s${index}`] = attribute;
    values[`:s${index}`] = value;
    sets.push(onlyIfAbsent ? `#s${index} = if_not_exists(#s${index}, :s${index})` : `#s${index} = :s${index}`);
  });
  const fromPlaceholders = request.from.map((status, index) => {
    values[`:from${index}`] = status;
    return `:from${index}`;
  });
  let condition = `attribute_exists(pk) AND #status IN (${fromPlaceholders.join(', ')})`;
  if (request.attempt !== undefined) {
    names['#attempt'] = 'attempt';
    values[':attempt'] = request.attempt;
    condition += ' AND #attempt = :attempt';
  }
  Object.entries(request.absentOrEqual ?? {}).forEach(([attribute, value], index) => {
    names[`#e${index}`] = attribute;
    values[`:e${index}`] = value;
    condition += ` AND (attribute_not_exists(#e${index}) OR #e${index} = :e${index})`;
  });
  const removes = (request.remove ?? []).map((attribute, index) => {
    names[`#r${index}`] = attribute;
    return `#r${index}`;
  });
  const update = `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
  return writeIfCondition(
    db,
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: update,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/**
 * Adds `member` to a set-valued counter (the attribute `members`) unless the set already holds
 * `limit` others: a conditional ADD whose count is the set's size. Adding a member twice is a
 * no-op, and so is removing it twice, so a retried request or a crash between two writes can
 * never charge or refund twice. Racing requests for the last slot: exactly one wins.
 * Returns false, changing nothing, when the limit is reached.
 */
export async function addMemberWithinLimit(
  db: DynamoDBDocumentClient,
  table: string,
  key: ItemKey,
  member: string,
  limit: number,
  extra: Record<string, unknown> = {},
): Promise<boolean> {
  const names: Record<string, string> = { '#members': 'members' };
  const values: Record<string, unknown> = { ':member': new Set([member]), ':memberValue': member, ':limit': limit };
  const sets: string[] = [];
  Object.entries(extra).forEach(([attribute, value], index) => {
    names[`#e${index}`] = attribute;
    values[`:e${index}`] = value;
    sets.push(`#e${index} = :e${index}`);
  });
  return writeIfCondition(
    db,
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: `ADD #members :member${sets.length ? ` SET ${sets.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_not_exists(#members) OR size(#members) < :limit OR contains(#members, :memberValue)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/** Removes `member` from a set-valued counter; removing an absent member changes nothing. */
export async function removeMember(db: DynamoDBDocumentClient, table: string, key: ItemKey, member: string): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: 'DELETE #members :member',
      ExpressionAttributeNames: { '#members': 'members' },
      ExpressionAttributeValues: { ':member': new Set([member]) },
    }),
  );
}

/** The members of a set-valued counter (empty when the item or the set does not exist). */
export function membersOf(item: Record<string, unknown> | undefined): Set<string> {
  const members = item?.members;
  return members instanceof Set ? (members as Set<string>) : new Set();
}

export interface BestScoreCandidate extends Item {
  score: number;
  /** ISO instant the submission was created: the earlier submission wins a tie. */
  submittedAt: string;
  submissionId: string;
  /**
   * The rank sort key (`rank-sort-key.ts`), when the entry has one: on equal scores the lower key
   * wins, so secondary scores break the tie before the submission time does.
   */
  lbsk?: string;
}

/**
 * Stores `candidate` as the team's best entry only when it beats the stored one: a better score,
 * or the same score and a better tie-break (its rank sort key; without one, the earlier
 * submission). Replaying the same candidate changes nothing.
 * Returns true when the candidate is now the stored entry.
 */
export async function putIfBetterScore(db: DynamoDBDocumentClient, table: string, candidate: BestScoreCandidate, higherIsBetter: boolean): Promise<boolean> {
  const better = higherIsBetter ? '#score < :score' : '#score > :score';
  const tieAttribute = candidate.lbsk !== undefined ? { name: 'lbsk', value: candidate.lbsk } : { name: 'submittedAt', value: candidate.submittedAt };
  return writeIfCondition(
    db,
    new PutCommand({
      TableName: table,
      Item: candidate,
      ConditionExpression: `attribute_not_exists(pk) OR ${better} OR (#score = :score AND #tie > :tie)`,
      ExpressionAttributeNames: { '#score': 'score', '#tie': tieAttribute.name },
      ExpressionAttributeValues: { ':score': candidate.score, ':tie': tieAttribute.value },
    }),
  );
}
