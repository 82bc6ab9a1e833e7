import * as z from 'zod';
import type { Challenge } from '../challenge/challenge.ts';
import { getChallenge } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { resolveAudience } from './audiences.ts';
import { eventId } from './notification-event.ts';
import { publishNotification } from './publish-notification.ts';

export const PHASE_REMINDER_KINDS = ['opening', 'closing'] as const;
export type PhaseReminderKind = (typeof PHASE_REMINDER_KINDS)[number];

/** "Closing" reminders go out this long before a phase closes. */
export const CLOSING_NOTICE_MS = 24 * 3600_000;

/** What a reminder schedule sends its target (EventBridge Scheduler's input on AWS, the local scheduler's call locally). */
export const phaseReminderInputSchema = z
  .object({ challengeId: z.string().min(1), phaseId: z.string().min(1), reminder: z.enum(PHASE_REMINDER_KINDS) })
  .strict();
export type PhaseReminderInput = z.infer<typeof phaseReminderInputSchema>;

/**
 * When a phase's reminders are due: when it opens, and 24 hours before it closes (none for a
 * phase shorter than that: its opening says when it closes).
 */
export function phaseReminderTimes(phase: { opens: string; closes: string }): { reminder: PhaseReminderKind; at: Date }[] {
  const opens = new Date(phase.opens);
  const closing = new Date(Date.parse(phase.closes) - CLOSING_NOTICE_MS);
  return [{ reminder: 'opening', at: opens }, ...(closing > opens ? [{ reminder: 'closing' as const, at: closing }] : [])];
}

export type PhaseReminderOutcome = { outcome: 'sent'; inApp: number; emails: number } | { outcome: 'not-due' | 'phase-over'; detail: string };

/**
 * Tells the challenge's approved participants that a phase opens, or closes in 24 hours, as each
 * one's preferences say. Once per phase, kind and date: the event id holds the due time, so a
 * schedule fired twice tells nobody twice, and a phase whose dates were moved gets its reminder
 * again at the new time. The registered definition decides, not the schedule's copy of it: a
 * reminder fired before its (moved) time, or after the phase closed, tells nobody.
 */
export async function sendPhaseReminder(ctx: PodiumContext, input: PhaseReminderInput): Promise<PhaseReminderOutcome> {
  const challenge: Challenge = await getChallenge(ctx, input.challengeId);
  const phase = challenge.phases.find((candidate) => candidate.id === input.phaseId);
  if (!phase) throw new PodiumError('NOT_FOUND', `phase "${input.phaseId}" of ${challenge.id} was not found`);
  const now = ctx.now();
  if (now >= new Date(phase.closes)) return { outcome: 'phase-over', detail: `${phase.id} closed at ${phase.closes}` };
  const due = phaseReminderTimes(phase).find((time) => time.reminder === input.reminder);
  if (!due || now < due.at)
    return { outcome: 'not-due', detail: `the ${input.reminder} reminder of ${phase.id} is ${due ? `due at ${due.at.toISOString()}` : 'not sent'}` };
  const recipients = await resolveAudience(ctx, challenge.id, { kind: 'approved' });
  const closes = new Date(phase.closes).toISOString().replace('.000Z', 'Z');
  const sent = await publishNotification(
    ctx,
    challenge,
    input.reminder === 'opening'
      ? {
          id: eventId('phase', challenge.id, phase.id, 'opening', due.at.toISOString()),
          type: 'phase.opening',
          challengeId: challenge.id,
          title: `Phase ${phase.id} is open`,
          text:
            `The ${phase.id} phase of ${challenge.title} is open until ${closes}.\n` +
            `Submit with: podium submit <folder> -c ${challenge.id} --phase ${phase.id}`,
          link: `/challenges/${challenge.id}`,
        }
      : {
          id: eventId('phase', challenge.id, phase.id, 'closing', due.at.toISOString()),
          type: 'phase.closing',
          challengeId: challenge.id,
          title: `Phase ${phase.id} closes in 24 hours`,
          text: `The ${phase.id} phase of ${challenge.title} closes at ${closes}: submissions after that are refused.`,
          link: `/challenges/${challenge.id}`,
        },
    recipients,
  );
  return { outcome: 'sent', ...sent };
}
