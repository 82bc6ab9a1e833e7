import { contextFromEnv } from '#shared/context.ts';
import { FUNCTION_STORAGE } from '../function-storage.ts';
import { notificationChannelFromEnv } from '#shared/notifications/notification-env.ts';
import { phaseReminderInputSchema, sendPhaseReminder } from '#shared/notifications/phase-reminders.ts';

const ctx = { ...contextFromEnv(FUNCTION_STORAGE.phaseReminder), notifications: notificationChannelFromEnv({ unsubscribeSecret: false }) };

/** EventBridge Scheduler (one at() schedule per phase and reminder) → tell the participants, once. */
export const handler = async (input: unknown) => sendPhaseReminder(ctx, phaseReminderInputSchema.parse(input));
