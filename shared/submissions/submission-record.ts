import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { createIfAbsent, transitionStatus } from '../storage/conditional-writes.ts';
import { ACTIVE_SUBMISSIONS_INDEX, keys } from '../storage/table-design.ts';
import type { RunUsage } from '../pipeline/run-usage.ts';
import { ALLOWED_PREDECESSORS, isTerminal, type FailureReason, type SubmissionStatus } from './submission-status.ts';

/** A scored run counts toward the leaderboard and quota; a smoke run uses the public smoke data, full logs, no rank. */
export type SubmissionMode = 'scored' | 'smoke';

export interface SubmissionFailure {
  reason: FailureReason;
  /** Safe to show the team: never anything competitor code produced after it saw hidden data. */
  message: string;
  /** Organisers only: the full wording, which may quote what the code printed or wrote. */
  detail?: string;
}

export interface SubmissionScores {
  /** Score on all rows, or the only score when the dataset has no split. */
  overall: number;
  public?: number;
  private?: number;
  /** The challenge's secondary scores, by name, on the same splits. */
  secondary?: Record<string, { overall: number; public?: number; private?: number }>;
  scorerVersion: string;
  scoredAt: string;
}

/** Which rerun replaced the recorded scores, who applied it, when, and the scores it replaced. */
export interface AppliedRerunMark {
  rerunId: string;
  appliedBy: string;
  appliedAt: string;
  previous: SubmissionScores;
}

export interface SubmissionRecord {
  pk: string;
  sk: string;
  kind: 'submission';
  id: string;
  challengeId: string;
  phaseId: string;
  teamId: string;
  /** The user who created it (from the verified token, never from the body). */
  submittedBy: string;
  mode: SubmissionMode;
  status: SubmissionStatus;
  /** Incremented on each platform retry; job events carry it, so a stale attempt's event changes nothing. */
  attempt: number;
  createdAt: string;
  updatedAt: string;
  archiveKey: string;
  archiveBytes?: number;
  /** The uploaded archive's ETag, recorded with its size when it arrives; later reads are pinned to it. */
  archiveETag?: string;
  multipartUploadId?: string;
  /** The team's own note given at submit time, sanitised (submission-note.ts). */
  note?: string;
  /** Created by an organiser (a test run): kept off the leaderboards unless marked baseline (leaderboard-candidacy.ts). */
  organiserRun?: boolean;
  /** `submit --with-outputs`: a training job's outputs, put next to main.py when it runs. */
  trainingOutputs?: AttachedTrainingOutputs;
  /** UTC day (YYYY-MM-DD) whose quota counter this submission was charged to; absent for smoke runs. */
  quotaDay?: string;
  /** Set once the quota consequences of a terminal state were applied (released or refunded). */
  quotaSettledAt?: string;
  failure?: SubmissionFailure;
  jobs?: { inference?: string; scoring?: string };
  scores?: SubmissionScores;
  /** Set when an organiser applied a rerun's scores in place of the scored attempt's (`shared/reruns/apply-rerun.ts`). */
  rerunApplied?: AppliedRerunMark;
  /** What the scored attempt's code used (rounded), from the launcher's outcome. */
  run?: RunUsage;
  baseline?: boolean;
  cancelRequestedAt?: string;
  /** Who cancelled it: a user id, or `system: <why>` when the reconciler abandoned it. */
  cancelledBy?: string;
  /** When the current attempt's jobs were submitted (queue-wait metric). */
  queuedAt?: string;
  /** When the current attempt's inference started running. */
  startedAt?: string;
  // Index keys: team listing, phase listing, and the sparse index of non-terminal submissions.
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
  activepk?: string;
  activesk?: string;
}

export const teamSubmissionsPartition = (challengeId: string, teamId: string) => `TEAM#${challengeId}#${teamId}`;
export const phaseSubmissionsPartition = (challengeId: string, phaseId: string) => `PHASE#${challengeId}#${phaseId}`;
export const ACTIVE_PARTITION = 'ACTIVE';

/** A training job's outputs attached to a submission: where they are and what each file must hash to. */
export interface AttachedTrainingOutputs {
  trainingJobId: string;
  prefix: string;
  files: { path: string; bytes: number; sha256: string }[];
}

export interface NewSubmission {
  id: string;
  challengeId: string;
  phaseId: string;
  teamId: string;
  submittedBy: string;
  mode: SubmissionMode;
  archiveKey: string;
  quotaDay?: string;
  /** Declared by the competitor when creating the submission. */
  archiveBytes?: number;
  /** Set when the archive is uploaded in parts; the API completes the upload. */
  multipartUploadId?: string;
  /** The team's own note, sanitised (submission-note.ts). */
  note?: string;
  /** Created by an organiser (a test run): kept off the leaderboards unless marked baseline. */
  organiserRun?: boolean;
  /** `submit --with-outputs`: a training job's outputs, put next to main.py when it runs. */
  trainingOutputs?: AttachedTrainingOutputs;
}

export function buildSubmissionRecord(input: NewSubmission, createdAt: string): SubmissionRecord {
  return {
    ...keys.submission(input.id),
    kind: 'submission',
    ...input,
    status: 'CREATED',
    attempt: 1,
    createdAt,
    updatedAt: createdAt,
    gsi1pk: teamSubmissionsPartition(input.challengeId, input.teamId),
    gsi1sk: `${input.phaseId}#${createdAt}#${input.id}`,
    gsi2pk: phaseSubmissionsPartition(input.challengeId, input.phaseId),
    gsi2sk: `${createdAt}#${input.id}`,
    activepk: ACTIVE_PARTITION,
    activesk: `${createdAt}#${input.id}`,
  };
}

/** Creates the submission record; idempotent on its id. */
export async function createSubmissionRecord(ctx: PodiumContext, input: NewSubmission) {
  return createIfAbsent(ctx.db, ctx.config.tableName, buildSubmissionRecord(input, ctx.now().toISOString()));
}

export async function findSubmission(ctx: PodiumContext, submissionId: string): Promise<SubmissionRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.submission(submissionId), ConsistentRead: true }));
  return result.Item as SubmissionRecord | undefined;
}

export async function getSubmission(ctx: PodiumContext, submissionId: string): Promise<SubmissionRecord> {
  const submission = await findSubmission(ctx, submissionId);
  if (!submission) throw notFound(`submission "${submissionId}"`);
  return submission;
}

export interface SubmissionTransition {
  to: SubmissionStatus;
  /** Restrict the predecessors further than the state machine does (for example only from RUNNING). */
  from?: readonly SubmissionStatus[];
  /** The attempt the event belongs to; a mismatch means the event is stale and changes nothing. */
  attempt?: number;
  set?: Partial<Omit<SubmissionRecord, 'pk' | 'sk' | 'status'>>;
}

/**
 * Applies one state-machine transition as a single conditional write. Returns false, changing
 * nothing, when the submission is not in an allowed predecessor state (duplicate or late event).
 * Terminal states leave the sparse active index, so the reconciler stops looking at them.
 */
export async function transitionSubmission(ctx: PodiumContext, submissionId: string, transition: SubmissionTransition): Promise<boolean> {
  const allowed = ALLOWED_PREDECESSORS[transition.to];
  const from = transition.from ? transition.from.filter((status) => allowed.includes(status)) : allowed;
  if (from.length === 0) return false;
  const at = ctx.now().toISOString();
  return transitionStatus(ctx.db, ctx.config.tableName, keys.submission(submissionId), {
    from,
    to: transition.to,
    ...(transition.attempt !== undefined ? { attempt: transition.attempt } : {}),
    set: { ...transition.set, updatedAt: at },
    remove: isTerminal(transition.to) ? [ACTIVE_SUBMISSIONS_INDEX.partition, ACTIVE_SUBMISSIONS_INDEX.sort] : [],
  });
}
