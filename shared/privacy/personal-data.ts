import { createHash } from 'node:crypto';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import { listChallenges } from '../challenge/challenge-registry.ts';
import type { PodiumContext } from '../context.ts';
import { findPost, findTopic } from '../discussion/topics.ts';
import { postKey, type PostRecord } from '../discussion/discussion-records.ts';
import { releaseHandle } from '../discussion/mentions.ts';
import { PodiumError } from '../errors.ts';
import { getUser } from '../identity/users.ts';
import type { Principal } from '../identity/principal.ts';
import type { NotificationRecord } from '../notifications/publish-notification.ts';
import { getPreferences, preferencesView } from '../notifications/notification-preferences.ts';
import { findParticipant, type ParticipantRecord } from '../participants/participant-record.ts';
import { listTeamSubmissions } from '../submissions/list-submissions.ts';
import type { SubmissionRecord } from '../submissions/submission-record.ts';
import { writeIfCondition } from '../storage/conditional-writes.ts';
import { queryAll } from '../storage/query-all.ts';
import { keys } from '../storage/table-design.ts';
import { soloTeamId } from '../teams/team-record.ts';

/** What stands in for an erased person: stable per account (their posts still read as one author), not reversible. */
export const pseudonymOf = (userId: string) => `erased-${createHash('sha256').update(`podium-erasure:${userId}`).digest('hex').slice(0, 16)}`;
export const ERASED_NAME = 'Former participant';

interface PersonalRecords {
  participations: ParticipantRecord[];
  submissions: SubmissionRecord[];
  posts: PostRecord[];
  notifications: NotificationRecord[];
}

async function gather(ctx: PodiumContext, userId: string): Promise<PersonalRecords> {
  const participations: ParticipantRecord[] = [];
  const submissions: SubmissionRecord[] = [];
  for (const challenge of await listChallenges(ctx)) {
    const participant = await findParticipant(ctx, challenge.id, userId);
    if (!participant) continue;
    participations.push(participant);
    const teams = new Set([soloTeamId(userId), ...(participant.teamId ? [participant.teamId] : [])]);
    for (const teamId of teams) {
      for (const submission of await listTeamSubmissions(ctx, challenge.id, teamId)) if (submission.submittedBy === userId) submissions.push(submission);
    }
  }
  const mine = (prefix: string) =>
    queryAll<Record<string, unknown>>(ctx.db, {
      TableName: ctx.config.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':prefix': prefix },
    });
  const posts: PostRecord[] = [];
  for (const pointer of await mine('POST#')) {
    const { challengeId, topicId, postId } = pointer as { challengeId: string; topicId: string; postId: string };
    const post = postId === topicId ? await findTopic(ctx, challengeId, topicId) : await findPost(ctx, challengeId, topicId, postId);
    if (post && post.authorId === userId) posts.push(post);
  }
  const notifications = (await mine('NOTIFICATION#')) as unknown as NotificationRecord[];
  return { participations, submissions, posts, notifications };
}

/** Everything Podium holds about the caller, as JSON (GDPR art. 15 and 20; docs/PRIVACY.md). */
export async function exportPersonalData(ctx: PodiumContext, principal: Principal) {
  const user = await getUser(ctx, principal.userId);
  const records = await gather(ctx, principal.userId);
  return {
    exportedAt: ctx.now().toISOString(),
    account: { userId: principal.userId, email: user?.email ?? principal.email, createdAt: user?.createdAt },
    registrations: records.participations.map(
      ({ challengeId, email, displayName, status, acceptedRulesVersion, acceptedAt, registeredAt, approvedAt, teamId }) => ({
        challengeId,
        email,
        ...(displayName ? { displayName } : {}),
        status,
        acceptedRulesVersion,
        acceptedAt,
        registeredAt,
        ...(approvedAt ? { approvedAt } : {}),
        ...(teamId ? { teamId } : {}),
      }),
    ),
    submissions: records.submissions.map(({ id, challengeId, phaseId, teamId, status, createdAt, note, scores, failure }) => ({
      id,
      challengeId,
      phaseId,
      teamId,
      status,
      createdAt,
      ...(note ? { note } : {}),
      ...(scores ? { scoredAt: scores.scoredAt } : {}),
      ...(failure ? { failure: failure.message } : {}),
    })),
    posts: records.posts.map((post) => ({
      challengeId: post.challengeId,
      topicId: post.topicId,
      postId: post.postId,
      ...('title' in post ? { title: (post as { title: string }).title } : {}),
      bodyMarkdown: post.bodyMarkdown,
      createdAt: post.createdAt,
      ...(post.history?.length ? { earlierVersions: post.history } : {}),
      ...(post.hiddenAt ? { hiddenAt: post.hiddenAt, hiddenReason: post.hiddenReason } : {}),
    })),
    notifications: records.notifications.map(({ type, challengeId, at, title, text, readAt }) => ({
      type,
      challengeId,
      at,
      title,
      text,
      ...(readAt ? { readAt } : {}),
    })),
    notificationPreferences: preferencesView(await getPreferences(ctx, principal.userId)),
  };
}

/**
 * Erasure (GDPR art. 17), as far as a fair ranking allows: the e-mail goes from the account and
 * every registration, posts and submissions keep their text and scores under a pseudonym,
 * notifications and preferences are deleted, and each challenge's audit log records the request.
 * Every step is a conditional or idempotent write, so an erasure interrupted half-way is finished
 * by asking again. The identity provider's account (Cognito) is deleted by an administrator.
 */
export async function erasePersonalData(ctx: PodiumContext, principal: Principal, confirmEmail: string) {
  if (confirmEmail.trim().toLowerCase() !== principal.email) {
    throw new PodiumError('VALIDATION_FAILED', 'confirmEmail: type the e-mail of your account to confirm the erasure', {
      issues: [{ field: 'body.confirmEmail', message: 'must be the e-mail of your account' }],
    });
  }
  const userId = principal.userId;
  const pseudonym = pseudonymOf(userId);
  const erasedEmail = `${pseudonym}@erased.invalid`;
  const at = ctx.now().toISOString();
  const table = ctx.config.tableName;
  const records = await gather(ctx, userId);
  for (const post of records.posts) {
    await releaseHandle(ctx, post.challengeId, post.authorName, userId);
    await writeIfCondition(
      ctx.db,
      new UpdateCommand({
        TableName: table,
        Key: postKey(post.challengeId, post.topicId, post.postId),
        UpdateExpression: 'SET authorId = :pseudonym, authorName = :name, erasedAt = :at',
        ConditionExpression: 'authorId = :me',
        ExpressionAttributeValues: { ':pseudonym': pseudonym, ':name': ERASED_NAME, ':at': at, ':me': userId },
      }),
    );
  }
  for (const submission of records.submissions) {
    await writeIfCondition(
      ctx.db,
      new UpdateCommand({
        TableName: table,
        Key: keys.submission(submission.id),
        UpdateExpression: 'SET submittedBy = :pseudonym',
        ConditionExpression: 'submittedBy = :me',
        ExpressionAttributeValues: { ':pseudonym': pseudonym, ':me': userId },
      }),
    );
  }
  for (const participant of records.participations) {
    await ctx.db.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.participant(participant.challengeId, userId),
        UpdateExpression: 'SET email = :email, erasedAt = if_not_exists(erasedAt, :at) REMOVE displayName',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':email': erasedEmail, ':at': at },
      }),
    );
    await recordAudit(ctx, participant.challengeId, {
      actor: userId,
      action: 'privacy.erasure',
      target: `user:${userId}`,
      details: { posts: records.posts.filter((post) => post.challengeId === participant.challengeId).length, pseudonym },
    });
  }
  for (const notification of records.notifications)
    await ctx.db.send(new DeleteCommand({ TableName: table, Key: { pk: notification.pk, sk: notification.sk } }));
  await ctx.db.send(new DeleteCommand({ TableName: table, Key: keys.notificationPreferences(userId) }));
  await ctx.db.send(new DeleteCommand({ TableName: table, Key: keys.userEmail(principal.email) }));
  await ctx.db.send(
    new UpdateCommand({
      TableName: table,
      Key: keys.user(userId),
      UpdateExpression: 'SET email = :email, erasedAt = if_not_exists(erasedAt, :at)',
      ExpressionAttributeValues: { ':email': erasedEmail, ':at': at },
    }),
  );
  return {
    erasedAt: at,
    pseudonym,
    posts: records.posts.length,
    submissions: records.submissions.length,
    registrations: records.participations.length,
    notificationsDeleted: records.notifications.length,
  };
}
