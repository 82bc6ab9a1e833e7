import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { createIfAbsent, isConditionFailure } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { findParticipant, type ParticipantRecord } from './participant-record.ts';
import { validateAnswers } from './registration-answers.ts';

/** Whether the email's domain (or a parent domain) is one the challenge allows; any, when none are listed. */
export function emailDomainAllowed(challenge: Challenge, email: string): boolean {
  const allowed = challenge.registration.allowedEmailDomains.map((domain) => domain.toLowerCase().replace(/^@/, ''));
  if (allowed.length === 0) return true;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return allowed.some((entry) => domain === entry || domain.endsWith(`.${entry}`));
}

/**
 * Joins a challenge by accepting its current rules, or re-accepts after the rules changed.
 * The version the caller read must be the current one: accepting text you have not seen is refused.
 */
export async function acceptRules(
  ctx: PodiumContext,
  challenge: Challenge,
  principal: Principal,
  rulesVersion: string,
  answers?: Record<string, unknown>,
): Promise<ParticipantRecord> {
  if (!emailDomainAllowed(challenge, principal.email)) {
    throw new PodiumError(
      'EMAIL_DOMAIN_NOT_ALLOWED',
      `registration to ${challenge.id} is limited to emails at ${challenge.registration.allowedEmailDomains.join(', ')}`,
    );
  }
  if (rulesVersion !== challenge.rulesVersion) {
    throw new PodiumError(
      'CONFLICT',
      `rulesVersion ${rulesVersion} is not the current rules of ${challenge.id}; read GET /challenges/${challenge.id}/rules and accept version ` +
        `${challenge.rulesVersion}`,
      {
        currentRulesVersion: challenge.rulesVersion,
      },
    );
  }
  const questions = challenge.registration.questions ?? [];
  const existing = questions.length > 0 ? await findParticipant(ctx, challenge.id, principal.userId) : undefined;
  // Checked before any write: a refused answer leaves no registration behind.
  const stored = questions.length > 0 ? validateAnswers(questions, answers, existing?.answers) : undefined;
  const withAnswers = stored && Object.keys(stored).length > 0 ? { answers: stored } : {};
  const at = ctx.now().toISOString();
  const created = await createIfAbsent<ParticipantRecord>(ctx.db, ctx.config.tableName, {
    ...keys.participant(challenge.id, principal.userId),
    kind: 'participant',
    challengeId: challenge.id,
    userId: principal.userId,
    email: principal.email,
    ...(principal.displayName ? { displayName: principal.displayName } : {}),
    status: challenge.registration.approval === 'auto' ? 'approved' : 'pending',
    acceptedRulesVersion: rulesVersion,
    acceptedAt: at,
    registeredAt: at,
    ...withAnswers,
  });
  if (created.created || created.item.acceptedRulesVersion === rulesVersion) return created.item;
  try {
    const updated = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.participant(challenge.id, principal.userId),
        UpdateExpression: `SET acceptedRulesVersion = :version, acceptedAt = :at${withAnswers.answers ? ', answers = :answers' : ''}`,
        ConditionExpression: 'attribute_exists(pk) AND acceptedRulesVersion <> :version',
        ExpressionAttributeValues: { ':version': rulesVersion, ':at': at, ...(withAnswers.answers ? { ':answers': withAnswers.answers } : {}) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return updated.Attributes as ParticipantRecord;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return (await findParticipant(ctx, challenge.id, principal.userId))!;
  }
}

/**
 * The gate in front of every download and submission: registered, approved, and on the current
 * rules version.
 */
export async function requireActiveParticipant(ctx: PodiumContext, challenge: Challenge, principal: Principal): Promise<ParticipantRecord> {
  const participant = await findParticipant(ctx, challenge.id, principal.userId);
  if (!participant) {
    throw new PodiumError('RULES_NOT_ACCEPTED', `accept the rules of ${challenge.id} first`, {
      challengeId: challenge.id,
      currentRulesVersion: challenge.rulesVersion,
    });
  }
  if (participant.status === 'pending') {
    throw new PodiumError('REGISTRATION_PENDING', `your registration to ${challenge.id} awaits an organiser's approval`);
  }
  if (participant.status === 'rejected' || participant.status === 'revoked') {
    const why = participant.refusalReason ? `: ${participant.refusalReason}` : '';
    throw new PodiumError(
      participant.status === 'rejected' ? 'REGISTRATION_REJECTED' : 'REGISTRATION_REVOKED',
      `an organiser ${participant.status} your registration to ${challenge.id}${why}; ask the organisers if you think this is a mistake`,
    );
  }
  if (participant.acceptedRulesVersion !== challenge.rulesVersion) {
    throw new PodiumError(
      'RULES_NOT_ACCEPTED',
      `the rules of ${challenge.id} changed since you accepted them; read and accept version ${challenge.rulesVersion}`,
      {
        challengeId: challenge.id,
        currentRulesVersion: challenge.rulesVersion,
        acceptedRulesVersion: participant.acceptedRulesVersion,
      },
    );
  }
  return participant;
}

/** An organiser approves a pending participant, or one they rejected or revoked (changing their mind); approving twice changes nothing. */
export async function approveParticipant(ctx: PodiumContext, challengeId: string, userId: string, organiser: Principal): Promise<ParticipantRecord> {
  const at = ctx.now().toISOString();
  try {
    const updated = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.participant(challengeId, userId),
        UpdateExpression: 'SET #status = :approved, approvedAt = :at, approvedBy = :by REMOVE refusedAt, refusedBy, refusalReason',
        ConditionExpression: 'attribute_exists(pk) AND #status IN (:pending, :rejected, :revoked)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':approved': 'approved',
          ':pending': 'pending',
          ':rejected': 'rejected',
          ':revoked': 'revoked',
          ':at': at,
          ':by': organiser.userId,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    await recordAudit(ctx, challengeId, { actor: organiser.userId, action: 'participant.approve', target: userId });
    return updated.Attributes as ParticipantRecord;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const participant = await findParticipant(ctx, challengeId, userId);
    if (!participant) throw notFound(`participant "${userId}" of ${challengeId}`);
    return participant;
  }
}
