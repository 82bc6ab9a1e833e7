import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { queryAll } from '../storage/query-all.ts';
import { keys } from '../storage/table-design.ts';
import type { RegistrationAnswers } from './registration-answers.ts';

/** `rejected` (never approved) and `revoked` (approved, then withdrawn): refused by an organiser (registration-refusal.ts). */
export const REGISTRATION_STATUSES = ['approved', 'pending', 'rejected', 'revoked'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/** A user's membership of one challenge: the rules version they accepted, and their team. */
export interface ParticipantRecord {
  pk: string;
  sk: string;
  kind: 'participant';
  challengeId: string;
  userId: string;
  email: string;
  /** The account's display name when it last registered or joined a team: how teammates see it (public-handle.ts). */
  displayName?: string;
  status: RegistrationStatus;
  acceptedRulesVersion: string;
  acceptedAt: string;
  registeredAt: string;
  approvedAt?: string;
  approvedBy?: string;
  refusedAt?: string;
  refusedBy?: string;
  refusalReason?: string;
  teamId?: string;
  /** Answers to the challenge's registration questions, by question id (shown to organisers, exported). */
  answers?: RegistrationAnswers;
}

export async function findParticipant(ctx: PodiumContext, challengeId: string, userId: string): Promise<ParticipantRecord | undefined> {
  const result = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.participant(challengeId, userId), ConsistentRead: true }));
  return result.Item as ParticipantRecord | undefined;
}

/** Every participant of a challenge, optionally only those with one status. */
export async function listParticipants(ctx: PodiumContext, challengeId: string, status?: RegistrationStatus): Promise<ParticipantRecord[]> {
  const prefix = keys.participant(challengeId, '');
  return queryAll<ParticipantRecord>(ctx.db, {
    TableName: ctx.config.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.sk, ...(status ? { ':status': status } : {}) },
    ...(status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
  });
}

/** What a participant sees of their own registration. */
export function registrationView(participant: ParticipantRecord) {
  return {
    status: participant.status,
    acceptedRulesVersion: participant.acceptedRulesVersion,
    acceptedAt: participant.acceptedAt,
    ...(participant.teamId ? { teamId: participant.teamId } : {}),
  };
}
