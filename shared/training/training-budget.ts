import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PhaseDefinition, PhaseTraining } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { createIfAbsent, isConditionFailure } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { recordBudgetAlerts } from './budget-alerts.ts';
import { chargeRateOf, gpuHours, MIN_TRAINING_SECONDS } from './budget-units.ts';

/**
 * A team's training budget on one phase, in GPU-seconds, as one DynamoDB item: what was granted,
 * what is reserved by jobs not yet settled, what was used, and `availableGpuSeconds` = granted −
 * reserved − used, kept by every write so a condition can test it (conditions cannot add).
 * Reservations, settlements and grants are maps keyed by job or grant id: each write adds or
 * removes one key under a condition on that key, so a replayed reservation, a second settlement of
 * the same job or a retried grant changes nothing, and no transaction is needed.
 */
export interface TrainingBudget {
  challengeId: string;
  phaseId: string;
  teamId: string;
  grantedGpuSeconds: number;
  availableGpuSeconds: number;
  usedGpuSeconds: number;
  reservations: Record<string, BudgetReservation>;
  settlements: Record<string, BudgetSettlement>;
  grants: Record<string, BudgetGrant>;
}

export interface BudgetReservation {
  /** GPU-seconds held: `runSeconds` × `chargeRate`. */
  gpuSeconds: number;
  /** The job's time limit: the phase's, or less when the remaining budget cannot cover it. */
  runSeconds: number;
  /** GPU-seconds charged per second of run time: `max(gpus, 1)`. */
  chargeRate: number;
  /** True when the budget, not the phase's time limit, set `runSeconds`: reaching it ends the job as BUDGET_EXHAUSTED. */
  budgetLimited: boolean;
  reservedAt: string;
}

export interface BudgetSettlement {
  /** GPU-seconds charged: real run time, by the second, at most the reservation. */
  gpuSeconds: number;
  runSeconds: number;
  settledAt: string;
}

export interface BudgetGrant {
  gpuSeconds: number;
  by: string;
  reason: string;
  at: string;
}

const RESERVE_ATTEMPTS = 8;

/** The phase's training settings, or a clear refusal when it offers none. */
export function trainingOf(phase: Pick<PhaseDefinition, 'id' | 'training'>): PhaseTraining {
  if (!phase.training) throw new PodiumError('NOT_FOUND', `phase "${phase.id}" offers no training jobs (challenge.yaml has no phases[].training for it)`);
  return phase.training;
}

/** The team's budget on the phase, created at its first use with the phase's `budgetGpuHoursPerTeam`. */
export async function ensureTrainingBudget(ctx: PodiumContext, challengeId: string, phase: PhaseDefinition, teamId: string): Promise<TrainingBudget> {
  const base = Math.round(trainingOf(phase).budgetGpuHoursPerTeam * 3600);
  const { item } = await createIfAbsent(ctx.db, ctx.config.tableName, {
    ...keys.trainingBudget(challengeId, phase.id, teamId),
    kind: 'training-budget',
    challengeId,
    phaseId: phase.id,
    teamId,
    grantedGpuSeconds: base,
    availableGpuSeconds: base,
    usedGpuSeconds: 0,
    reservations: {},
    settlements: {},
    grants: {},
    createdAt: ctx.now().toISOString(),
  });
  return item as unknown as TrainingBudget;
}

export async function readTrainingBudget(ctx: PodiumContext, challengeId: string, phaseId: string, teamId: string): Promise<TrainingBudget | undefined> {
  const { Item } = await ctx.db.send(
    new GetCommand({ TableName: ctx.config.tableName, Key: keys.trainingBudget(challengeId, phaseId, teamId), ConsistentRead: true }),
  );
  return Item as TrainingBudget | undefined;
}

/**
 * Holds the job's time limit from the team's budget before the job is queued: the phase's
 * `timeLimitHours`, cut to what the remaining budget covers. Reserving the same job again returns
 * its reservation. Throws BUDGET_EXHAUSTED, naming the remaining budget, when less than
 * MIN_TRAINING_SECONDS of run time is left. Racing reservations: each one's condition tests the
 * available GPU-seconds, so together they never take more than is there.
 */
export async function reserveTrainingBudget(
  ctx: PodiumContext,
  challengeId: string,
  phase: PhaseDefinition,
  teamId: string,
  jobId: string,
): Promise<BudgetReservation> {
  const training = trainingOf(phase);
  const chargeRate = chargeRateOf(training);
  const limitSeconds = Math.round(training.timeLimitHours * 3600);
  let budget = await ensureTrainingBudget(ctx, challengeId, phase, teamId);
  for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
    const existing = budget.reservations[jobId];
    if (existing) return existing;
    if (budget.settlements[jobId]) throw new PodiumError('INVALID_STATE', `training job ${jobId} has already been settled`);
    const coverableSeconds = Math.floor(budget.availableGpuSeconds / chargeRate);
    if (coverableSeconds < MIN_TRAINING_SECONDS) {
      throw new PodiumError(
        'BUDGET_EXHAUSTED',
        `the team's training budget on phase "${phase.id}" is used up: ${gpuHours(budget.availableGpuSeconds)} GPU-hours remain, ` +
          `a job needs at least ${MIN_TRAINING_SECONDS} s (${gpuHours(MIN_TRAINING_SECONDS * chargeRate)} GPU-hours); ask the organisers for a grant`,
        {
          remainingGpuHours: gpuHours(budget.availableGpuSeconds),
          grantedGpuHours: gpuHours(budget.grantedGpuSeconds),
          usedGpuHours: gpuHours(budget.usedGpuSeconds),
        },
      );
    }
    const runSeconds = Math.min(limitSeconds, coverableSeconds);
    const reservation: BudgetReservation = {
      gpuSeconds: runSeconds * chargeRate,
      runSeconds,
      chargeRate,
      budgetLimited: runSeconds < limitSeconds,
      reservedAt: ctx.now().toISOString(),
    };
    try {
      await ctx.db.send(
        new UpdateCommand({
          TableName: ctx.config.tableName,
          Key: keys.trainingBudget(challengeId, phase.id, teamId),
          UpdateExpression: 'SET #available = #available - :held, #reservations.#job = :reservation',
          ConditionExpression: '#available >= :held AND attribute_not_exists(#reservations.#job) AND attribute_not_exists(#settlements.#job)',
          ExpressionAttributeNames: { '#available': 'availableGpuSeconds', '#reservations': 'reservations', '#settlements': 'settlements', '#job': jobId },
          ExpressionAttributeValues: { ':held': reservation.gpuSeconds, ':reservation': reservation },
        }),
      );
      return reservation;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Another reservation, settlement or grant changed the budget since it was read: read it again.
      budget = (await readTrainingBudget(ctx, challengeId, phase.id, teamId))!;
    }
  }
  throw new PodiumError('CONFLICT', 'the training budget changed too often while reserving; try again');
}

/**
 * Charges a finished job's real run time, by the second and at most its reservation, and gives the
 * rest of the reservation back. Settling a job again (a replayed event, the reconciler after the
 * job-state handler) charges nothing more and returns the first settlement; settling a job with no
 * reservation changes nothing. Then records the 70/90/100 % alerts the charge crossed.
 */
export async function settleTrainingBudget(
  ctx: PodiumContext,
  challengeId: string,
  phaseId: string,
  teamId: string,
  jobId: string,
  runSeconds: number,
): Promise<{ settlement: BudgetSettlement; charged: boolean } | undefined> {
  const budget = await readTrainingBudget(ctx, challengeId, phaseId, teamId);
  const earlier = budget?.settlements[jobId];
  if (earlier) {
    // A settlement replayed after a crash between the charge and its alerts records them now.
    await recordBudgetAlerts(ctx, budget);
    return { settlement: earlier, charged: false };
  }
  const reservation = budget?.reservations[jobId];
  if (!reservation) return undefined;
  const billedSeconds = Math.min(Math.max(Math.ceil(runSeconds), 0), reservation.runSeconds);
  const settlement: BudgetSettlement = { gpuSeconds: billedSeconds * reservation.chargeRate, runSeconds: billedSeconds, settledAt: ctx.now().toISOString() };
  try {
    const { Attributes } = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.trainingBudget(challengeId, phaseId, teamId),
        UpdateExpression: 'SET #available = #available + :refund, #used = #used + :charge, #settlements.#job = :settlement REMOVE #reservations.#job',
        ConditionExpression: '#reservations.#job.#held = :held AND attribute_not_exists(#settlements.#job)',
        ExpressionAttributeNames: {
          '#available': 'availableGpuSeconds',
          '#used': 'usedGpuSeconds',
          '#reservations': 'reservations',
          '#settlements': 'settlements',
          '#job': jobId,
          '#held': 'gpuSeconds',
        },
        ExpressionAttributeValues: {
          ':refund': reservation.gpuSeconds - settlement.gpuSeconds,
          ':charge': settlement.gpuSeconds,
          ':held': reservation.gpuSeconds,
          ':settlement': settlement,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    await recordBudgetAlerts(ctx, Attributes as TrainingBudget);
    return { settlement, charged: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // A concurrent settlement of the same job won: report it.
    const now = await readTrainingBudget(ctx, challengeId, phaseId, teamId);
    const settled = now?.settlements[jobId];
    return settled ? { settlement: settled, charged: false } : undefined;
  }
}
