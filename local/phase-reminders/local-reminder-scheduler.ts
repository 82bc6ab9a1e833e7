import type { Challenge } from '#shared/challenge/load-challenge.ts';
import type { PhaseReminderInput } from '#shared/notifications/phase-reminders.ts';
import { synthesizePermissions } from '../iam/synthesized-permissions.ts';
import { reminderSchedulesOf, type ReminderSchedule } from './synthesized-reminder-schedules.ts';

export interface LocalReminderScheduler {
  /** Fires every schedule whose time has come on the stack's clock and that this process has not fired yet. */
  tick(): Promise<ReminderSchedule[]>;
  /** Stops the checks and waits for a pass under way. */
  close(): Promise<void>;
}

/**
 * EventBridge Scheduler's local stand-in: the registered challenges' synthesized phase stacks (the
 * same templates the local IAM reads, cached) give the at() schedules, fired once their time has
 * come on the stack's clock (PODIUM_NOW included), checked every `intervalMs`. A schedule whose
 * invocation fails is fired again at the next check, as Scheduler retries. Schedules already
 * past at start are fired too (the reminder function tells nobody once the phase has closed, and
 * nobody twice).
 */
export function startLocalReminderScheduler(options: {
  challenges: () => Promise<Challenge[]>;
  now: () => Date;
  invoke: (input: PhaseReminderInput) => Promise<unknown>;
  intervalMs: number;
  log?: (line: string) => void;
}): LocalReminderScheduler {
  const log = options.log ?? (() => {});
  const fired = new Set<string>();
  let running: Promise<ReminderSchedule[]> | undefined;
  const tickOnce = async () => {
    const done: ReminderSchedule[] = [];
    for (const challenge of await options.challenges()) {
      for (const schedule of reminderSchedulesOf(await synthesizePermissions(challenge))) {
        const key = `${schedule.id}@${schedule.at.toISOString()}`;
        if (fired.has(key) || schedule.at > options.now()) continue;
        try {
          const outcome = await options.invoke(schedule.input);
          fired.add(key);
          done.push(schedule);
          log(`reminder ${schedule.id} (${schedule.at.toISOString()}): ${JSON.stringify(outcome)}`);
        } catch (error) {
          log(`reminder ${schedule.id} failed, retried at the next check: ${String(error)}`);
        }
      }
    }
    return done;
  };
  // One pass at a time: a timer's pass and a test's call never fire the same schedule together.
  const tick = () => (running = (running ?? Promise.resolve([])).then(tickOnce, tickOnce));
  const timer =
    options.intervalMs > 0 ? setInterval(() => void tick().catch((error: unknown) => log(`reminders: ${String(error)}`)), options.intervalMs) : undefined;
  timer?.unref();
  return {
    tick,
    async close() {
      clearInterval(timer);
      await running?.catch(() => []);
    },
  };
}
