import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import { findUserIdByEmail } from '../identity/users.ts';
import { createLogger } from '../logger.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { listBudgetAlerts, type BudgetAlert } from '../training/budget-alerts.ts';
import { gpuHours } from '../training/budget-units.ts';
import type { TrainingJobRecord } from '../training/training-job-record.ts';
import { teamRecipients } from './audiences.ts';
import { eventId, type Recipient } from './notification-event.ts';
import { publishNotification } from './publish-notification.ts';

const log = createLogger('pipeline');

/** The organisers `notifications.organisers` names who have a Podium account: they are told in the app, and by e-mail as they choose. */
async function organiserRecipients(ctx: PodiumContext, addresses: readonly string[]): Promise<Recipient[]> {
  const recipients: Recipient[] = [];
  for (const email of addresses) {
    const userId = await findUserIdByEmail(ctx, email);
    if (userId) recipients.push({ userId, email });
    else log.warn('organiser address without a Podium account is not told of budget alerts', { email });
  }
  return recipients;
}

/**
 * Tells the team and the challenge's organisers each budget alert recorded for the team on the
 * phase and not yet told (at most three per granted total). Called where jobs are settled from
 * their events (the job-state handler, the local platform): an alert recorded by the API (a
 * cancelled job's charge) is told at the job's next event. The event id is the alert's identity,
 * so an alert told twice (two handlers at once, a crash before `notifiedAt` is set) is one
 * notification and one e-mail per recipient; `notifiedAt` spares the repeat's work.
 */
export async function notifyBudgetAlerts(
  ctx: PodiumContext,
  job: Pick<TrainingJobRecord, 'challengeId' | 'phaseId' | 'teamId' | 'submittedBy'>,
): Promise<number> {
  const pending = (await listBudgetAlerts(ctx, job.challengeId, job.phaseId, job.teamId)).filter((alert) => !alert.notifiedAt);
  if (!pending.length) return 0;
  const challenge = await getChallenge(ctx, job.challengeId);
  const recipients = [
    ...(await teamRecipients(ctx, job.challengeId, job.teamId, job.submittedBy)),
    // A definition stored before `organisers` existed has none.
    ...(await organiserRecipients(ctx, challenge.notifications.organisers ?? [])),
  ];
  for (const alert of pending) {
    await publishNotification(ctx, challenge, budgetAlertEvent(challenge.title, alert), recipients);
    await writeIfCondition(
      ctx.db,
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.budgetAlert(alert.challengeId, alert.phaseId, alert.teamId, alert.grantedGpuSeconds, alert.percent),
        UpdateExpression: 'SET notifiedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(notifiedAt)',
        ExpressionAttributeValues: { ':at': ctx.now().toISOString() },
      }),
    );
  }
  return pending.length;
}

function budgetAlertEvent(challengeTitle: string, alert: BudgetAlert) {
  const { challengeId, phaseId, teamId, percent } = alert;
  const used = `${gpuHours(alert.usedGpuSeconds)} of ${gpuHours(alert.grantedGpuSeconds)} GPU-hours`;
  return {
    id: eventId('budget-alert', challengeId, phaseId, teamId, String(alert.grantedGpuSeconds), String(percent)),
    type: 'training.budget' as const,
    challengeId,
    title: `Team ${teamId} has used ${percent} % of its training budget (${phaseId})`,
    text:
      `Team ${teamId} has used ${used} of its training budget on ${challengeTitle}, phase ${phaseId}` +
      (percent === 100 ? ': no more training job can start until the organisers grant more.' : '.') +
      `\nDetails: podium budget ${challengeId} --phase ${phaseId}`,
    link: `/challenges/${challengeId}`,
  };
}
