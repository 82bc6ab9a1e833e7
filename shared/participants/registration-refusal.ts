import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from '../audit/audit-log.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { isConditionFailure } from '../storage/conditional-writes.ts';
import { keys } from '../storage/table-design.ts';
import { findParticipant, type ParticipantRecord, type RegistrationStatus } from './participant-record.ts';

/** What an organiser may do to a registration, and the status it must have for that. */
const REFUSALS = {
  reject: { from: 'pending', to: 'rejected', action: 'participant.reject' },
  revoke: { from: 'approved', to: 'revoked', action: 'participant.revoke' },
} as const satisfies Record<string, { from: RegistrationStatus; to: RegistrationStatus; action: string }>;

export type Refusal = keyof typeof REFUSALS;

/**
 * An organiser rejects a pending registration, or revokes an approved one: the participant can no
 * longer download the data or submit (`requireActiveParticipant` says why). Audited with the reason.
 * Repeating it changes nothing (and audits nothing); refusing a registration in any other status
 * is INVALID_STATE naming that status. `podium approve` (from any status) undoes it.
 */
export async function refuseParticipant(
  ctx: PodiumContext,
  challengeId: string,
  userId: string,
  refusal: Refusal,
  organiser: Principal,
  reason?: string,
): Promise<{ participant: ParticipantRecord; changed: boolean }> {
  const { from, to, action } = REFUSALS[refusal];
  const at = ctx.now().toISOString();
  try {
    const updated = await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.participant(challengeId, userId),
        UpdateExpression: `SET #status = :to, refusedAt = :at, refusedBy = :by${reason ? ', refusalReason = :reason' : ''} REMOVE approvedAt, approvedBy`,
        ConditionExpression: 'attribute_exists(pk) AND #status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':to': to, ':from': from, ':at': at, ':by': organiser.userId, ...(reason ? { ':reason': reason } : {}) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    await recordAudit(ctx, challengeId, { actor: organiser.userId, action, target: userId, ...(reason ? { reason } : {}) });
    return { participant: updated.Attributes as ParticipantRecord, changed: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const participant = await findParticipant(ctx, challengeId, userId);
    if (!participant) throw notFound(`participant "${userId}" of ${challengeId}`);
    if (participant.status === to) return { participant, changed: false };
    throw new PodiumError('INVALID_STATE', `only a ${from} registration can be ${to}; ${userId}'s registration to ${challengeId} is ${participant.status}`, {
      status: participant.status,
    });
  }
}
