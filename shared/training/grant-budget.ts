import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { ensureTrainingBudget, type BudgetGrant } from './training-budget.ts';

export interface BudgetGrantRequest {
  teamId: string;
  gpuHours: number;
  /** The organiser granting it (their user id). */
  by: string;
  reason: string;
  /** Makes a retried request a no-op; a fresh one per grant by default. */
  grantId?: string;
}

/** The largest single grant: a typo (hours for seconds) should not hand out a year of GPUs. */
export const MAX_GRANT_GPU_HOURS = 10_000;

/**
 * An organiser adds GPU-hours to a team's training budget on a phase. The grant is stored in the
 * budget item under its id (a retried request adds nothing) with who granted it and why, and goes
 * to the challenge's audit log. A team that was refused for an exhausted budget can start a job again.
 */
export async function grantTrainingBudget(
  ctx: PodiumContext,
  challengeId: string,
  phase: PhaseDefinition,
  request: BudgetGrantRequest,
): Promise<{ grantId: string; grant: BudgetGrant; applied: boolean }> {
  if (!(Number.isFinite(request.gpuHours) && request.gpuHours > 0 && request.gpuHours <= MAX_GRANT_GPU_HOURS)) {
    throw new PodiumError('VALIDATION_FAILED', `gpuHours must be a number above 0 and at most ${MAX_GRANT_GPU_HOURS}, got ${request.gpuHours}`);
  }
  const reason = request.reason.trim();
  if (!reason) throw new PodiumError('VALIDATION_FAILED', 'a grant needs a reason (it is kept in the audit log)');
  await ensureTrainingBudget(ctx, challengeId, phase, request.teamId);
  const grantId = request.grantId ?? randomUUID();
  const grant: BudgetGrant = { gpuSeconds: Math.round(request.gpuHours * 3600), by: request.by, reason, at: ctx.now().toISOString() };
  const applied = await writeIfCondition(
    ctx.db,
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: keys.trainingBudget(challengeId, phase.id, request.teamId),
      UpdateExpression: 'SET #granted = #granted + :grant, #available = #available + :grant, #grants.#id = :record',
      ConditionExpression: 'attribute_not_exists(#grants.#id)',
      ExpressionAttributeNames: { '#granted': 'grantedGpuSeconds', '#available': 'availableGpuSeconds', '#grants': 'grants', '#id': grantId },
      ExpressionAttributeValues: { ':grant': grant.gpuSeconds, ':record': grant },
    }),
  );
  if (applied) {
    await recordAudit(ctx, challengeId, {
      actor: request.by,
      action: 'training-budget.grant',
      target: `team:${request.teamId}`,
      reason,
      details: { phaseId: phase.id, gpuHours: request.gpuHours, grantId },
    });
  }
  return { grantId, grant, applied };
}
