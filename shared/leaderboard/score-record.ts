import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { createIfAbsent, writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import type { SubmissionRecord, SubmissionScores } from '../submissions/submission-record.ts';
import { scoresBySplit, type ScoreSplit } from './leaderboard-splits.ts';

/**
 * One score of one submission on one split under one scorer version, kept beside the submission
 * (`SUBMISSION#<id>` / `SCORE#<split>#<version>`). Records of older versions stay after a rescore,
 * so a metric fix can be audited.
 */
export interface ScoreRecord {
  pk: string;
  sk: string;
  kind: 'score';
  submissionId: string;
  challengeId: string;
  phaseId: string;
  teamId: string;
  mode: SubmissionRecord['mode'];
  split: ScoreSplit;
  score: number;
  /** The secondary scores on this split, by name. */
  secondary?: Record<string, number>;
  scorerVersion: string;
  scoredAt: string;
}

function secondaryOn(scores: SubmissionScores, split: ScoreSplit): { secondary?: Record<string, number> } {
  if (!scores.secondary) return {};
  const entries = Object.entries(scores.secondary).flatMap(([name, each]) => (each[split] === undefined ? [] : [[name, each[split]!] as const]));
  return entries.length > 0 ? { secondary: Object.fromEntries(entries) } : {};
}

function buildScoreRecords(submission: SubmissionRecord, scores: SubmissionScores): ScoreRecord[] {
  return scoresBySplit(scores).map(([split, score]) => ({
    ...keys.scoreRecord(submission.id, split, scores.scorerVersion),
    kind: 'score',
    submissionId: submission.id,
    challengeId: submission.challengeId,
    phaseId: submission.phaseId,
    teamId: submission.teamId,
    mode: submission.mode,
    split,
    score,
    ...secondaryOn(scores, split),
    scorerVersion: scores.scorerVersion,
    scoredAt: scores.scoredAt,
  }));
}

/** Writes the score records once: a replay leaves the first ones untouched. */
export async function createScoreRecords(ctx: PodiumContext, submission: SubmissionRecord, scores: SubmissionScores): Promise<void> {
  await Promise.all(buildScoreRecords(submission, scores).map((record) => createIfAbsent(ctx.db, ctx.config.tableName, record)));
}

/**
 * Writes the records of a rescore: they replace records of the same version scored earlier (a
 * labels fix without a version bump), never ones scored later by a concurrent rescore.
 */
export async function replaceScoreRecords(ctx: PodiumContext, submission: SubmissionRecord, scores: SubmissionScores): Promise<void> {
  await Promise.all(
    buildScoreRecords(submission, scores).map(async (record) => {
      await writeIfCondition(
        ctx.db,
        new PutCommand({
          TableName: ctx.config.tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(pk) OR scoredAt <= :scoredAt',
          ExpressionAttributeValues: { ':scoredAt': record.scoredAt },
        }),
      );
    }),
  );
}
