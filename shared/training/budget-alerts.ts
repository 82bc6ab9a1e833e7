import { createLogger } from '../logger.ts';
import type { PodiumContext } from '../context.ts';
import { createIfAbsent } from '../storage/conditional-writes.ts';
import { queryAll } from '../storage/query-all.ts';
import { keys } from '../storage/table-design.ts';
import { MIN_TRAINING_SECONDS } from './budget-units.ts';
import type { TrainingBudget } from './training-budget.ts';

/** Shares of the granted budget used at which the team and the organisers are told. */
export const BUDGET_ALERT_PERCENTS = [70, 90, 100] as const;

/**
 * A budget threshold crossed, recorded once per threshold and granted total (a grant lowers the
 * share used, so the same threshold crossed again after it alerts again). This module records them
 * (the API settles too: a cancelled job's charge); where jobs are settled from their events, they
 * are told to the team and the organisers (shared/notifications/budget-alert-notifications.ts).
 */
export interface BudgetAlert {
  kind: 'budget-alert';
  challengeId: string;
  phaseId: string;
  teamId: string;
  percent: (typeof BUDGET_ALERT_PERCENTS)[number];
  usedGpuSeconds: number;
  grantedGpuSeconds: number;
  /** Who is to be told. */
  recipients: ['team', 'organisers'];
  at: string;
  /** When the team and the organisers were told. */
  notifiedAt?: string;
}

const log = createLogger('pipeline');

/** The thresholds `budget` has reached: 100 % also when too little is left for one more job. */
export function reachedPercents(budget: Pick<TrainingBudget, 'usedGpuSeconds' | 'grantedGpuSeconds' | 'availableGpuSeconds'>): BudgetAlert['percent'][] {
  const { usedGpuSeconds: used, grantedGpuSeconds: granted } = budget;
  return BUDGET_ALERT_PERCENTS.filter(
    (percent) => used * 100 >= percent * granted || (percent === 100 && used > 0 && budget.availableGpuSeconds < MIN_TRAINING_SECONDS),
  );
}

/** Records each alert `budget` has reached and not yet recorded; returns the ones recorded now. */
export async function recordBudgetAlerts(ctx: PodiumContext, budget: TrainingBudget): Promise<BudgetAlert[]> {
  const recorded: BudgetAlert[] = [];
  for (const percent of reachedPercents(budget)) {
    const alert: BudgetAlert = {
      kind: 'budget-alert',
      challengeId: budget.challengeId,
      phaseId: budget.phaseId,
      teamId: budget.teamId,
      percent,
      usedGpuSeconds: budget.usedGpuSeconds,
      grantedGpuSeconds: budget.grantedGpuSeconds,
      recipients: ['team', 'organisers'],
      at: ctx.now().toISOString(),
    };
    const key = keys.budgetAlert(budget.challengeId, budget.phaseId, budget.teamId, budget.grantedGpuSeconds, percent);
    const { created } = await createIfAbsent(ctx.db, ctx.config.tableName, { ...key, ...alert });
    if (!created) continue;
    log.warn(`training budget at ${percent} %`, { ...alert });
    recorded.push(alert);
  }
  return recorded;
}

/** The team's alerts on the phase, in the order they were reached. */
export async function listBudgetAlerts(ctx: PodiumContext, challengeId: string, phaseId: string, teamId: string): Promise<BudgetAlert[]> {
  const items = await queryAll<BudgetAlert & { pk: string; sk: string }>(ctx.db, {
    TableName: ctx.config.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :alert)',
    ExpressionAttributeValues: { ':pk': keys.trainingBudget(challengeId, phaseId, teamId).pk, ':alert': 'ALERT#' },
    ConsistentRead: true,
  });
  // Sort keys order alerts by granted total, then threshold: the order they were reached in.
  return items.map(({ pk: _pk, sk: _sk, ...alert }) => alert as BudgetAlert);
}
