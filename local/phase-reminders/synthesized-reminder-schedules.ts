import { phaseReminderInputSchema, type PhaseReminderInput } from '#shared/notifications/phase-reminders.ts';
import { PHASE_REMINDER_CONSTRUCT, type PermissionTemplates } from '../iam/synthesized-permissions.ts';

/** One `AWS::Scheduler::Schedule` of a phase stack, as the local stack fires it. */
export interface ReminderSchedule {
  /** `<stack>/<logical id>`: what the local scheduler remembers it fired. */
  id: string;
  at: Date;
  input: PhaseReminderInput;
}

/**
 * The reminder schedules the challenge's phase stacks synthesize: their at() time and input, and a
 * check that each targets its own stack's reminder function (the one target the local stack can invoke).
 */
export function reminderSchedulesOf(templates: PermissionTemplates): ReminderSchedule[] {
  const schedules: ReminderSchedule[] = [];
  for (const stack of templates.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.resources)) {
      if (resource.Type !== 'AWS::Scheduler::Schedule') continue;
      const where = `${stack.stackName}/${logicalId}`;
      const properties = resource.Properties as {
        ScheduleExpression?: string;
        ScheduleExpressionTimezone?: string;
        Target?: { Arn?: unknown; Input?: string };
      };
      const at = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(properties.ScheduleExpression ?? '');
      if (!at || (properties.ScheduleExpressionTimezone ?? 'UTC') !== 'UTC') {
        throw new Error(
          `${where}: only at() schedules in UTC are fired locally, got ${properties.ScheduleExpression} (${properties.ScheduleExpressionTimezone})`,
        );
      }
      const target = (properties.Target?.Arn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
      const targetPath = target ? stack.resources[target]?.Metadata?.['aws:cdk:path'] : undefined;
      if (targetPath !== `${stack.stackName}/${PHASE_REMINDER_CONSTRUCT}/Resource`) {
        throw new Error(`${where}: its target is not the stack's ${PHASE_REMINDER_CONSTRUCT} function, which is all the local stack invokes`);
      }
      schedules.push({ id: where, at: new Date(`${at[1]}Z`), input: phaseReminderInputSchema.parse(JSON.parse(properties.Target?.Input ?? '')) });
    }
  }
  return schedules;
}
