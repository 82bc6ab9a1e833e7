import { randomBytes } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { requirePhase, type Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { pipelineLog } from '../pipeline/pipeline-log.ts';
import { buildRescoreJobSpec } from '../pipeline/queue-jobs.ts';
import { createIfAbsent, transitionStatus, writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { getSubmission } from '../submissions/submission-record.ts';
// Types only: the API records requests and never loads the scorer.
import type { RebuildSummary } from './rebuild-leaderboard.ts';
import type { RescoreResult } from './rescore.ts';

/**
 * An organiser's request to rescore one submission or a whole phase. The API records it and
 * submits a job; the job (the scoring image, under the scoring role, the only one that reads
 * labels) does the work and records the outcome. QUEUED → RUNNING → SUCCEEDED | FAILED, each step
 * a conditional write, so a duplicate or late event never moves a request backwards.
 */
export const RESCORE_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type RescoreStatus = (typeof RESCORE_STATUSES)[number];

/** At most this many not-rescored submissions are listed, each message cut to MAX_MESSAGE_CHARS: under 60 KB, far below DynamoDB's 400 KB item limit. */
export const MAX_RECORDED_FAILURES = 100;
const MAX_MESSAGE_CHARS = 500;

export interface RescoreFailure {
  submissionId: string;
  message: string;
}

export interface RescoreRequestRecord {
  pk: string;
  sk: string;
  kind: 'rescore';
  rescoreId: string;
  challengeId: string;
  phaseId: string;
  /** Set for a one-submission rescore; absent for a whole phase. */
  submissionId?: string;
  requestedBy: string;
  requestedAt: string;
  status: RescoreStatus;
  jobId?: string;
  startedAt?: string;
  finishedAt?: string;
  /** The scorer version the job rescored with. */
  scorerVersion?: string;
  counts?: { rescored: number; notRescored: number };
  /** The first MAX_RECORDED_FAILURES not-rescored submissions; `counts.notRescored` has the total. */
  failures?: RescoreFailure[];
  /** A one-submission rescore's outcome: new scores and the previous ones, or why it was not rescored. */
  result?: RescoreResult;
  leaderboard?: RebuildSummary;
  /** Why a FAILED request failed; safe to show organisers. */
  message?: string;
}

const newRescoreId = () => `r-${randomBytes(10).toString('hex')}`;

export const isFinishedRescore = (status: RescoreStatus) => status === 'SUCCEEDED' || status === 'FAILED';

export const capMessage = (message: string) => (message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message);

export async function findRescore(ctx: PodiumContext, rescoreId: string): Promise<RescoreRequestRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.rescoreRequest(rescoreId), ConsistentRead: true }));
  return result.Item as RescoreRequestRecord | undefined;
}

/** The request, or NOT_FOUND. */
export async function getRescore(ctx: PodiumContext, rescoreId: string): Promise<RescoreRequestRecord> {
  const request = await findRescore(ctx, rescoreId);
  if (!request) throw notFound(`rescore request "${rescoreId}"`);
  return request;
}

/**
 * Validates, records the request QUEUED, submits its job and stores the job id. When the submit
 * fails the request is left FAILED (never QUEUED without a job) and the caller gets an error.
 */
export async function requestRescore(
  ctx: PodiumContext,
  jobRunner: JobRunner,
  input: { challenge: Challenge; phaseId: string; submissionId?: string; requestedBy: string },
): Promise<RescoreRequestRecord> {
  const { challenge, phaseId, submissionId, requestedBy } = input;
  requirePhase(challenge, phaseId);
  if (submissionId !== undefined) {
    const submission = await getSubmission(ctx, submissionId);
    if (submission.challengeId !== challenge.id || submission.phaseId !== phaseId) throw notFound(`submission "${submissionId}" in ${challenge.id}/${phaseId}`);
    if (submission.status !== 'SCORED') {
      throw new PodiumError('INVALID_STATE', `submission "${submissionId}" is ${submission.status}; only scored submissions can be rescored`);
    }
  }
  const rescoreId = newRescoreId();
  const record: RescoreRequestRecord = {
    ...keys.rescoreRequest(rescoreId),
    kind: 'rescore',
    rescoreId,
    challengeId: challenge.id,
    phaseId,
    ...(submissionId !== undefined ? { submissionId } : {}),
    requestedBy,
    requestedAt: ctx.now().toISOString(),
    status: 'QUEUED',
  };
  await createIfAbsent(ctx.db, ctx.config.tableName, record);
  let jobId: string;
  try {
    ({ jobId } = await jobRunner.submit(buildRescoreJobSpec(record)));
  } catch (error) {
    pipelineLog.error('submitting a rescore job failed', { rescoreId, error: String(error) });
    await failRescore(ctx, rescoreId, 'the rescore job could not be submitted; request the rescore again');
    throw new PodiumError('INTERNAL', `rescore ${rescoreId} failed: its job could not be submitted; try again`, { rescoreId });
  }
  // The job may already have moved the request on; only the job id is added.
  await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.rescoreRequest(rescoreId),
      UpdateExpression: 'SET jobId = :jobId',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(jobId)',
      ExpressionAttributeValues: { ':jobId': jobId },
    }),
  );
  return getRescore(ctx, rescoreId);
}

/**
 * One conditional step of the request's state machine; false, changing nothing, when the request
 * is not in `from` (a finished request is never reopened) or, with `jobId`, names another job.
 * `setOnce` attributes keep their first value (a resumed run keeps the first `startedAt`).
 */
export function transitionRescore(
  ctx: PodiumContext,
  rescoreId: string,
  step: { from: readonly RescoreStatus[]; to: RescoreStatus; set?: Record<string, unknown>; setOnce?: Record<string, unknown>; jobId?: string },
): Promise<boolean> {
  return transitionStatus(ctx.db, ctx.config.tableName, keys.rescoreRequest(rescoreId), {
    from: step.from,
    to: step.to,
    ...(step.set ? { set: step.set } : {}),
    ...(step.setOnce ? { setIfAbsent: step.setOnce } : {}),
    ...(step.jobId !== undefined ? { absentOrEqual: { jobId: step.jobId } } : {}),
  });
}

/** QUEUED or RUNNING → FAILED with `message`; with `jobId`, only when the request names that job (or none yet). */
export function failRescore(ctx: PodiumContext, rescoreId: string, message: string, jobId?: string): Promise<boolean> {
  return transitionRescore(ctx, rescoreId, {
    from: ['QUEUED', 'RUNNING'],
    to: 'FAILED',
    set: { message: capMessage(message), finishedAt: ctx.now().toISOString() },
    ...(jobId !== undefined ? { jobId } : {}),
  });
}
