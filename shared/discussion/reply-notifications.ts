import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { getUser } from '../identity/users.ts';
import { eventId } from '../notifications/notification-event.ts';
import { publishNotification } from '../notifications/publish-notification.ts';
import type { ReplyRecord, TopicRecord } from './discussion-records.ts';
import { excerpt } from './post-text.ts';

/** Tells a topic's author of a reply by someone else (the reply's id makes it once). */
export async function notifyReply(ctx: PodiumContext, challenge: Challenge, topic: TopicRecord, reply: ReplyRecord): Promise<void> {
  if (topic.authorId === reply.authorId || topic.erasedAt) return;
  const author = await getUser(ctx, topic.authorId);
  if (!author) return;
  await publishNotification(
    ctx,
    challenge,
    {
      id: eventId('reply', challenge.id, reply.postId),
      type: 'discussion.reply',
      challengeId: challenge.id,
      title: `${reply.authorName}${reply.authorRole === 'organiser' ? ' (organiser)' : ''} replied to "${topic.title}"`,
      text: excerpt(reply.bodyMarkdown, 1_000),
      link: `/challenges/${challenge.id}/discussion/topics/${topic.topicId}`,
    },
    [{ userId: author.userId, email: author.email }],
  );
}
