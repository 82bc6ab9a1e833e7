/** What a participant can be told about; each has its own in-app and e-mail preference. */
export const NOTIFICATION_TYPES = [
  'submission.scored',
  'submission.failed',
  'submission.rejected',
  'rescore.done',
  'announcement',
  'discussion.reply',
  'discussion.mention',
  'team.invite',
  'team.join',
  'team.merge',
  'registration.approved',
  'registration.rejected',
  'rules.changed',
  'phase.opening',
  'phase.closing',
  'training.budget',
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * Something that happened, to be told to some participants. `id` is deterministic (built from
 * what happened, never from the clock), so the same event published twice is one notification
 * and one e-mail per recipient.
 */
export interface NotificationEvent {
  id: string;
  type: NotificationType;
  challengeId: string;
  /** One line: the notification's title and the e-mail's subject. */
  title: string;
  /** Plain text (already made safe): the notification's text and the e-mail's body. */
  text: string;
  /** Path in the API or web app the notification points at. */
  link?: string;
}

export interface Recipient {
  userId: string;
  email: string;
}

/** Event ids are used in keys: keep them to a safe alphabet and a bounded length. */
export function eventId(...parts: string[]): string {
  return parts
    .join(':')
    .replace(/[^A-Za-z0-9:._-]/g, '_')
    .slice(0, 200);
}
