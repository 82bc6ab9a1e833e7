import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { createIfAbsent } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { SubmissionScores } from '../submissions/submission-record.ts';
import type { SignedReceipt } from './score-receipt.ts';

interface ReceiptItem {
  pk: string;
  sk: string;
  kind: 'receipt';
  receipt: SignedReceipt;
}

/** Stores a receipt unless one exists for the same scoring; returns the one stored (the first wins). */
export async function storeReceipt(ctx: PodiumContext, receipt: SignedReceipt): Promise<SignedReceipt> {
  const { submissionId, scorer, scoredAt } = receipt.statement;
  const item: ReceiptItem = { ...keys.scoreReceipt(submissionId, scorer.version, scoredAt), kind: 'receipt', receipt };
  return (await createIfAbsent(ctx.db, ctx.config.tableName, item)).item.receipt;
}

/** The receipt of a submission's current scores, if it was issued. */
export async function findReceipt(
  ctx: PodiumContext,
  submissionId: string,
  scores: Pick<SubmissionScores, 'scorerVersion' | 'scoredAt'>,
): Promise<SignedReceipt | undefined> {
  const { Item } = await ctx.db.send(
    new GetCommand({ TableName: ctx.config.tableName, Key: keys.scoreReceipt(submissionId, scores.scorerVersion, scores.scoredAt), ConsistentRead: true }),
  );
  return (Item as ReceiptItem | undefined)?.receipt;
}
