import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '#shared/context.ts';
import { writeRunOutcome } from '#shared/pipeline/run-outcome.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { keys } from '#shared/storage/table-design.ts';
import { createSubmissionRecord, transitionSubmission, type SubmissionMode } from '#shared/submissions/submission-record.ts';

/**
 * Builds the state the scoring job starts from: a submission in SCORING with its predictions in
 * the predictions bucket, and the labels in the hidden (or smoke) location — through the same
 * record, transition and key functions the pipeline uses.
 */

export const ONE_HOT = (k: number) => [0, 1, 2, 3].map((c) => (c === k ? 1 : 0)).join(',');

/** TissueNet-shaped labels: ids, one-hot classes, and the `usage` split when `split` is set. */
export function tissuenetLabels(classes: number[], split = true): { ids: string[]; csv: string } {
  const ids = classes.map((_, i) => `slide_${String(i).padStart(3, '0')}.tif`);
  const header = split ? 'filename,0,1,2,3,usage' : 'filename,0,1,2,3';
  const rows = ids.map((id, i) => `${id},${ONE_HOT(classes[i]!)}${split ? `,${i % 2 === 0 ? 'public' : 'private'}` : ''}`);
  return { ids, csv: [header, ...rows].join('\n') + '\n' };
}

export const tissuenetPredictions = (ids: string[], classes: number[]) =>
  ['filename,0,1,2,3', ...ids.map((id, i) => `${id},${ONE_HOT(classes[i]!)}`)].join('\n') + '\n';

export async function putLabels(ctx: PodiumContext, challengeId: string, datasetId: string, csv: string, smoke = false): Promise<void> {
  const bucket = smoke ? ctx.config.datasetsBucket : ctx.config.hiddenBucket;
  const key = smoke ? objectKeys.datasetFile(challengeId, datasetId, 'labels.csv') : objectKeys.labels(challengeId, datasetId);
  await ctx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: csv }));
}

export interface ScoringSubmission {
  id: string;
  challengeId: string;
  phaseId: string;
  teamId: string;
  predictions: string;
  mode?: SubmissionMode;
  baseline?: boolean;
}

/** A submission that reached SCORING on attempt 1, its predictions uploaded. */
export async function submissionInScoring(ctx: PodiumContext, input: ScoringSubmission): Promise<void> {
  await createSubmissionRecord(ctx, {
    id: input.id,
    challengeId: input.challengeId,
    phaseId: input.phaseId,
    teamId: input.teamId,
    submittedBy: `user-${input.teamId}`,
    mode: input.mode ?? 'scored',
    archiveKey: objectKeys.submissionArchive(input.challengeId, input.phaseId, input.teamId, input.id),
  });
  if (input.baseline) {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.submission(input.id),
        UpdateExpression: 'SET baseline = :yes',
        ExpressionAttributeValues: { ':yes': true },
      }),
    );
  }
  for (const to of ['UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'SCORING'] as const) {
    if (!(await transitionSubmission(ctx, input.id, { to }))) throw new Error(`could not move ${input.id} to ${to}`);
  }
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.predictions(input.id, 1), Body: input.predictions }));
  // What the inference launcher reports once it has stored the predictions.
  await writeRunOutcome(ctx.s3, ctx.config.predictionsBucket, { result: 'predicted', submissionId: input.id, attempt: 1, rows: 0 });
}

export async function putTeam(
  ctx: PodiumContext,
  challengeId: string,
  teamId: string,
  attributes: { name?: string; disqualified?: boolean; mergedInto?: string } = {},
): Promise<void> {
  await ctx.db.send(new PutCommand({ TableName: ctx.config.tableName, Item: { ...keys.team(challengeId, teamId), kind: 'team', teamId, ...attributes } }));
}

/** Every item under a submission's partition (the record and its score records), for before/after comparisons. */
export async function itemsOf(ctx: PodiumContext, partition: string): Promise<Record<string, unknown>[]> {
  const result = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}
