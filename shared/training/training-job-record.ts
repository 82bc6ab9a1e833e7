import { randomBytes } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { createIfAbsent, transitionStatus, writeIfCondition } from '../storage/conditional-writes.ts';
import { queryAll } from '../storage/query-all.ts';
import { ACTIVE_SUBMISSIONS_INDEX, BY_OWNER_INDEX, keys } from '../storage/table-design.ts';
import type { TrainingEnd } from './run-training.ts';
import type { TrainingOutputFile } from './training-outputs.ts';

/**
 * A training job's states. CREATED: waiting for its archive. QUEUED: archive uploaded, waiting for
 * compute. RUNNING: train.py runs. Then one end: SUCCEEDED, FAILED, TIMEOUT (the phase's limit),
 * BUDGET_EXHAUSTED (the budget's limit, outputs kept) or CANCELLED (by the team, or by the
 * reconciler for a job the platform lost).
 */
export type TrainingJobStatus = 'CREATED' | 'QUEUED' | 'RUNNING' | TrainingEnd | 'CANCELLED';
export const TRAINING_TERMINAL: readonly TrainingJobStatus[] = ['SUCCEEDED', 'FAILED', 'TIMEOUT', 'BUDGET_EXHAUSTED', 'CANCELLED'];
export const isTrainingTerminal = (status: TrainingJobStatus): boolean => TRAINING_TERMINAL.includes(status);

export interface TrainingJobRecord {
  pk: string;
  sk: string;
  kind: 'training-job';
  id: string;
  challengeId: string;
  phaseId: string;
  teamId: string;
  submittedBy: string;
  status: TrainingJobStatus;
  archiveKey: string;
  archiveBytes: number;
  /** The run time the budget reserved: the job's time limit. */
  runSecondsLimit: number;
  budgetLimited: boolean;
  createdAt: string;
  updatedAt: string;
  queuedAt?: string;
  startedAt?: string;
  /** The last sign of life of a running job: what the reconciler charges up to when the job was lost. */
  lastSeenAt?: string;
  endedAt?: string;
  /** Real run time, charged to the budget. */
  runSeconds?: number;
  message?: string;
  outputs?: TrainingOutputFile[];
  cancelledBy?: string;
  /** The AWS Batch job running it (TerminateJob on a cancel); absent locally. */
  batchJobId?: string;
  /** When its budget was settled and its slot freed: the job then leaves the active index. */
  settledAt?: string;
  gsi1pk: string;
  gsi1sk: string;
  activepk?: string;
  activesk?: string;
}

/** The active-index partition of unfinished training jobs: apart from the submissions' one, so the submission reconciler never reads them. */
export const ACTIVE_TRAINING_PARTITION = 'ACTIVE_TRAINING';
export const teamTrainingPartition = (challengeId: string, teamId: string) => `TRAINING_TEAM#${challengeId}#${teamId}`;
export const newTrainingJobId = () => `t-${randomBytes(10).toString('hex')}`;

export type NewTrainingJob = Pick<
  TrainingJobRecord,
  'id' | 'challengeId' | 'phaseId' | 'teamId' | 'submittedBy' | 'archiveKey' | 'archiveBytes' | 'runSecondsLimit' | 'budgetLimited'
>;

export async function createTrainingJobRecord(ctx: PodiumContext, job: NewTrainingJob): Promise<TrainingJobRecord> {
  const at = ctx.now().toISOString();
  const record: TrainingJobRecord = {
    ...keys.trainingJob(job.id),
    kind: 'training-job',
    ...job,
    status: 'CREATED',
    createdAt: at,
    updatedAt: at,
    gsi1pk: teamTrainingPartition(job.challengeId, job.teamId),
    gsi1sk: `${job.phaseId}#${at}#${job.id}`,
    activepk: ACTIVE_TRAINING_PARTITION,
    activesk: `${at}#${job.id}`,
  };
  return (await createIfAbsent(ctx.db, ctx.config.tableName, record)).item;
}

export async function findTrainingJob(ctx: PodiumContext, trainingJobId: string): Promise<TrainingJobRecord | undefined> {
  const { Item } = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.trainingJob(trainingJobId), ConsistentRead: true }));
  return Item as TrainingJobRecord | undefined;
}

/** The job, when it belongs to `teamId` (another team's job reads as absent). */
export async function getTeamTrainingJob(ctx: PodiumContext, trainingJobId: string, teamId: string): Promise<TrainingJobRecord> {
  const job = await findTrainingJob(ctx, trainingJobId);
  if (!job || job.teamId !== teamId) throw notFound(`training job "${trainingJobId}"`);
  return job;
}

/**
 * One conditional write from one of `from` to `to`; false, changing nothing, for a late or repeated
 * event. An ended job stays in the active index until its budget is settled (`markTrainingJobSettled`),
 * so the reconciler completes a settlement a crash interrupted.
 */
export async function transitionTrainingJob(
  ctx: PodiumContext,
  trainingJobId: string,
  from: readonly TrainingJobStatus[],
  to: TrainingJobStatus,
  set: Partial<TrainingJobRecord> = {},
): Promise<boolean> {
  return transitionStatus(ctx.db, ctx.config.tableName, keys.trainingJob(trainingJobId), {
    from,
    to,
    set: { ...set, updatedAt: ctx.now().toISOString() },
  });
}

/**
 * Outputs a run kept after its end was recorded by someone else (a cancel while train.py ran): set
 * once, only on an ended job that has none, so a replay changes nothing.
 */
export async function recordLateTrainingOutputs(ctx: PodiumContext, trainingJobId: string, outputs: TrainingOutputFile[]): Promise<boolean> {
  const terminal = Object.fromEntries(TRAINING_TERMINAL.map((status, index) => [`:end${index}`, status]));
  return writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.trainingJob(trainingJobId),
      UpdateExpression: 'SET outputs = :outputs, updatedAt = :now',
      ConditionExpression: `#status IN (${Object.keys(terminal).join(', ')}) AND attribute_not_exists(outputs)`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':outputs': outputs, ':now': ctx.now().toISOString(), ...terminal },
    }),
  );
}

/** The ended job's budget is settled and its slot freed: it leaves the active index, the reconciler's last look at it. */
export async function markTrainingJobSettled(ctx: PodiumContext, trainingJobId: string): Promise<boolean> {
  const terminal = Object.fromEntries(TRAINING_TERMINAL.map((status, index) => [`:end${index}`, status]));
  return writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.trainingJob(trainingJobId),
      UpdateExpression: 'SET settledAt = if_not_exists(settledAt, :now) REMOVE #activepk, #activesk',
      ConditionExpression: `#status IN (${Object.keys(terminal).join(', ')})`,
      ExpressionAttributeNames: { '#status': 'status', '#activepk': ACTIVE_SUBMISSIONS_INDEX.partition, '#activesk': ACTIVE_SUBMISSIONS_INDEX.sort },
      ExpressionAttributeValues: { ':now': ctx.now().toISOString(), ...terminal },
    }),
  );
}

/** The team's training jobs on a phase, oldest first. */
export async function listTeamTrainingJobs(ctx: PodiumContext, challengeId: string, phaseId: string, teamId: string): Promise<TrainingJobRecord[]> {
  return queryAll<TrainingJobRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    IndexName: BY_OWNER_INDEX.name,
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :phase)',
    ExpressionAttributeNames: { '#pk': BY_OWNER_INDEX.partition, '#sk': BY_OWNER_INDEX.sort },
    ExpressionAttributeValues: { ':pk': teamTrainingPartition(challengeId, teamId), ':phase': `${phaseId}#` },
  });
}

/** Every unfinished training job, for the reconciler. */
export async function listActiveTrainingJobs(ctx: PodiumContext): Promise<TrainingJobRecord[]> {
  return queryAll<TrainingJobRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    IndexName: ACTIVE_SUBMISSIONS_INDEX.name,
    KeyConditionExpression: '#pk = :active',
    ExpressionAttributeNames: { '#pk': ACTIVE_SUBMISSIONS_INDEX.partition },
    ExpressionAttributeValues: { ':active': ACTIVE_TRAINING_PARTITION },
  });
}
