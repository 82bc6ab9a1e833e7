import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { listBudgetAlerts, type BudgetAlert } from './budget-alerts.ts';
import { costEur, gpuHours } from './budget-units.ts';
import { readTrainingBudget, trainingOf } from './training-budget.ts';

/** What `podium budget` shows a team (and an organiser, per team): hours, their euro estimate, and the alerts reached. */
export interface BudgetView {
  challengeId: string;
  phaseId: string;
  teamId: string;
  grantedGpuHours: number;
  usedGpuHours: number;
  /** Held by queued and running jobs, until they are settled. */
  reservedGpuHours: number;
  remainingGpuHours: number;
  /** Exact figures, by the second: the hours above are rounded to 3.6 s. */
  usedGpuSeconds: number;
  remainingGpuSeconds: number;
  usedPercent: number;
  /** At the phase's `instancePricePerHourEur`: an estimate, not an invoice. */
  usedCostEur: number;
  remainingCostEur: number;
  instancePricePerHourEur: number;
  gpusPerJob: number;
  alerts: Pick<BudgetAlert, 'percent' | 'at'>[];
}

/** The team's budget on the phase; a team that never trained sees the phase's full budget. */
export async function viewTrainingBudget(ctx: PodiumContext, challengeId: string, phase: PhaseDefinition, teamId: string): Promise<BudgetView> {
  const training = trainingOf(phase);
  const stored = await readTrainingBudget(ctx, challengeId, phase.id, teamId);
  const granted = stored?.grantedGpuSeconds ?? Math.round(training.budgetGpuHoursPerTeam * 3600);
  const used = stored?.usedGpuSeconds ?? 0;
  const available = stored?.availableGpuSeconds ?? granted;
  const alerts = stored ? await listBudgetAlerts(ctx, challengeId, phase.id, teamId) : [];
  return {
    challengeId,
    phaseId: phase.id,
    teamId,
    grantedGpuHours: gpuHours(granted),
    usedGpuHours: gpuHours(used),
    reservedGpuHours: gpuHours(granted - used - available),
    remainingGpuHours: gpuHours(available),
    usedGpuSeconds: used,
    remainingGpuSeconds: available,
    usedPercent: granted > 0 ? Math.round((used / granted) * 1000) / 10 : 0,
    usedCostEur: costEur(used, training),
    remainingCostEur: costEur(available, training),
    instancePricePerHourEur: training.instancePricePerHourEur,
    gpusPerJob: training.gpus,
    alerts: alerts.map(({ percent, at }) => ({ percent, at })),
  };
}
