import { recordAudit } from '../audit/audit-log.ts';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import type { Principal } from '../identity/principal.ts';
import { describeAudience, resolveAudience, type Audience } from '../notifications/audiences.ts';
import { eventId } from '../notifications/notification-event.ts';
import { publishNotification } from '../notifications/publish-notification.ts';
import type { TopicRecord } from './discussion-records.ts';
import { excerpt } from './post-text.ts';
import { ANNOUNCEMENTS_CATEGORY, createTopic } from './topics.ts';

/**
 * An organiser's announcement: a topic in the announcements category (pinned unless told not to),
 * then a notification to the chosen audience, in the app and by e-mail. The notification's id is
 * the topic's, so publishing it again (a retry) tells nobody twice.
 */
export async function announce(
  ctx: PodiumContext,
  challenge: Challenge,
  organiser: Principal,
  input: { title: string; body: string; audience: Audience; pinned?: boolean },
): Promise<{ topic: TopicRecord; recipients: number; emails: number }> {
  const recipients = await resolveAudience(ctx, challenge.id, input.audience);
  const audience = describeAudience(input.audience);
  const topic = await createTopic(
    ctx,
    challenge,
    organiser,
    { title: input.title, body: input.body, category: ANNOUNCEMENTS_CATEGORY },
    {
      pinned: input.pinned ?? true,
      announcement: { audience, ...(input.audience.kind === 'team' ? { teamId: input.audience.teamId } : {}), recipients: recipients.length },
    },
  );
  await recordAudit(ctx, challenge.id, {
    actor: organiser.userId,
    action: 'discussion.announce',
    target: `topic:${topic.topicId}`,
    details: { audience, recipients: recipients.length },
  });
  const sent = await publishNotification(
    ctx,
    challenge,
    {
      id: eventId('announcement', challenge.id, topic.topicId),
      type: 'announcement',
      challengeId: challenge.id,
      title: topic.title,
      text: excerpt(topic.bodyMarkdown, 4_000),
      link: `/challenges/${challenge.id}/discussion/topics/${topic.topicId}`,
    },
    recipients,
  );
  return { topic, recipients: recipients.length, emails: sent.emails };
}
