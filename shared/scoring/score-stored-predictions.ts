import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Challenge } from '../challenge/challenge.ts';
import { findDataset, requirePhase, smokeDatasetOf } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { objectKeys } from '../storage/object-keys.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import { scorePredictionFiles } from './score-prediction-files.ts';
import { scorePredictions, type ScoreOutcome } from './score-predictions.ts';

const isMissingObject = (error: unknown) => error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');

async function openObject(ctx: PodiumContext, bucket: string, key: string): Promise<Readable | undefined> {
  try {
    const object = await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return object.Body as Readable;
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

/** Where a submission's labels are: the hidden dataset's (scoring job only), or the public smoke labels. */
export function labelsLocation(ctx: PodiumContext, challenge: Challenge, submission: Pick<SubmissionRecord, 'mode' | 'phaseId'>) {
  const phase = requirePhase(challenge, submission.phaseId);
  if (submission.mode === 'smoke') {
    const dataset = smokeDatasetOf(challenge, phase.id);
    if (!dataset) return undefined;
    return { dataset, bucket: ctx.config.datasetsBucket, key: objectKeys.datasetFile(challenge.id, dataset.id, 'labels.csv') };
  }
  const dataset = findDataset(challenge, phase.dataset)!;
  return { dataset, bucket: ctx.config.hiddenBucket, key: objectKeys.labels(challenge.id, dataset.id) };
}

/**
 * Scores the predictions file a submission's inference job stored, streaming it and the labels
 * from S3. Returns undefined for a smoke run whose smoke dataset has no labels (nothing to score);
 * missing labels or predictions of a scored run are platform errors and throw.
 */
export async function scoreStoredPredictions(
  ctx: PodiumContext,
  challenge: Challenge,
  submission: SubmissionRecord,
  // A rerun's predictions are scored from their own key (shared/reruns/run-compare-job.ts).
  predictionsKey = objectKeys.predictions(submission.id, submission.attempt),
): Promise<ScoreOutcome | undefined> {
  const location = labelsLocation(ctx, challenge, submission);
  const labels = location && (await openObject(ctx, location.bucket, location.key));
  if (!location || !labels) {
    if (submission.mode === 'smoke') return undefined;
    throw new PodiumError('LABELS_INVALID', `the labels of dataset "${location?.dataset.id}" are missing (s3://${location?.bucket}/${location?.key})`);
  }
  const predictions = await openObject(ctx, ctx.config.predictionsBucket, predictionsKey);
  if (!predictions) {
    labels.destroy();
    throw new PodiumError('INTERNAL', `the predictions of submission "${submission.id}" are missing (s3://${ctx.config.predictionsBucket}/${predictionsKey})`);
  }
  const rules = { format: challenge.submissionFormat, metric: challenge.metric, secondaryMetrics: challenge.secondaryMetrics, dataset: location.dataset };
  if (challenge.metric.kind === 'program') {
    // A scoring program reads files: these two, staged in a folder of this run only.
    const staging = await mkdtemp(join(tmpdir(), 'podium-scoring-'));
    try {
      await chmod(staging, 0o711);
      const labelsPath = join(staging, 'labels.csv');
      const predictionsPath = join(staging, 'predictions.csv');
      await pipeline(labels, createWriteStream(labelsPath, { mode: 0o600 }));
      await pipeline(predictions, createWriteStream(predictionsPath, { mode: 0o600 }));
      const program = challenge.scoringProgram ? { scoringProgram: challenge.scoringProgram } : {};
      return await scorePredictionFiles({ ...rules, ...program }, predictionsPath, labelsPath, { workRoot: staging });
    } finally {
      labels.destroy();
      predictions.destroy();
      await rm(staging, { recursive: true, force: true });
    }
  }
  // Reopenable sources let the scorer stream-merge two files listing ids in the same order; each
  // opening is a fresh GET, and every stream is closed however the scoring ends.
  const opened: Readable[] = [predictions, labels];
  const reopen = (bucket: string, key: string, first: Readable) => {
    let unused: Readable | undefined = first;
    return async () => {
      if (unused) {
        const stream = unused;
        unused = undefined;
        return stream;
      }
      const stream = await openObject(ctx, bucket, key);
      if (!stream) throw new PodiumError('INTERNAL', `s3://${bucket}/${key} disappeared while scoring`);
      opened.push(stream);
      return stream;
    };
  };
  try {
    return await scorePredictions(rules, reopen(ctx.config.predictionsBucket, predictionsKey, predictions), reopen(location.bucket, location.key, labels));
  } finally {
    for (const stream of opened) stream.destroy();
  }
}
