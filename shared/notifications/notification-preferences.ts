import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { keys } from '../storage/table-design.ts';
import { NOTIFICATION_TYPES, type NotificationType } from './notification-event.ts';

/** Every type is on, in the app and by e-mail, until the participant turns it off. */
export interface NotificationPreferences {
  emailOff: Set<NotificationType | 'all'>;
  inAppOff: Set<NotificationType>;
}

export async function getPreferences(ctx: PodiumContext, userId: string): Promise<NotificationPreferences> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.notificationPreferences(userId) }));
  const item = result.Item ?? {};
  return {
    emailOff: item.emailOff instanceof Set ? (item.emailOff as Set<NotificationType>) : new Set(),
    inAppOff: item.inAppOff instanceof Set ? (item.inAppOff as Set<NotificationType>) : new Set(),
  };
}

export const wantsEmail = (preferences: NotificationPreferences, type: NotificationType) => !preferences.emailOff.has('all') && !preferences.emailOff.has(type);

/** The preferences as the API shows them: one line per type. */
export function preferencesView(preferences: NotificationPreferences): Record<NotificationType, { email: boolean; inApp: boolean }> {
  return Object.fromEntries(
    NOTIFICATION_TYPES.map((type) => [type, { email: wantsEmail(preferences, type), inApp: !preferences.inAppOff.has(type) }]),
  ) as Record<NotificationType, { email: boolean; inApp: boolean }>;
}

/**
 * Turns types on or off: set ADD and DELETE on two string sets, so concurrent changes (an
 * unsubscribe click while the settings page saves) never overwrite each other.
 */
export async function changePreferences(
  ctx: PodiumContext,
  userId: string,
  change: Partial<Record<NotificationType | 'all', { email?: boolean; inApp?: boolean }>>,
): Promise<NotificationPreferences> {
  const sets = { emailOn: new Set<string>(), emailOff: new Set<string>(), inAppOn: new Set<string>(), inAppOff: new Set<string>() };
  for (const [type, wanted] of Object.entries(change)) {
    if (wanted?.email === true) sets.emailOn.add(type);
    if (wanted?.email === false) sets.emailOff.add(type);
    if (type !== 'all' && wanted?.inApp === true) sets.inAppOn.add(type);
    if (type !== 'all' && wanted?.inApp === false) sets.inAppOff.add(type);
  }
  const add = [sets.emailOff.size ? 'emailOff :emailOff' : '', sets.inAppOff.size ? 'inAppOff :inAppOff' : ''].filter(Boolean);
  const remove = [sets.emailOn.size ? 'emailOff :emailOn' : '', sets.inAppOn.size ? 'inAppOff :inAppOn' : ''].filter(Boolean);
  const values = Object.fromEntries(
    Object.entries(sets)
      .filter(([, set]) => set.size)
      .map(([name, set]) => [`:${name}`, set]),
  );
  if (add.length) {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.notificationPreferences(userId),
        UpdateExpression: `ADD ${add.join(', ')}`,
        ExpressionAttributeValues: Object.fromEntries(Object.entries(values).filter(([name]) => name.endsWith('Off'))),
      }),
    );
  }
  if (remove.length) {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.notificationPreferences(userId),
        UpdateExpression: `DELETE ${remove.join(', ')}`,
        ExpressionAttributeValues: Object.fromEntries(Object.entries(values).filter(([name]) => name.endsWith('On'))),
      }),
    );
  }
  return getPreferences(ctx, userId);
}
