import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { listParticipants, REGISTRATION_STATUSES } from '#shared/participants/participant-record.ts';
import { notifyRegistrationApproved, notifyRegistrationRefused } from '#shared/notifications/registration-notifications.ts';
import { approveParticipant } from '#shared/participants/registration.ts';
import { refuseParticipant, type Refusal } from '#shared/participants/registration-refusal.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter, type RouteHandler } from '../../router.ts';
import { bearer, challengeIdParam, ChallengeParams, commonErrors, json } from '../../schemas.ts';

const Participant = z
  .object({
    userId: z.string(),
    email: z.string(),
    status: z.enum(REGISTRATION_STATUSES),
    acceptedRulesVersion: z.string(),
    acceptedAt: z.string(),
    registeredAt: z.string(),
    teamId: z.string().optional(),
    refusedAt: z.string().optional().describe('when an organiser rejected or revoked the registration'),
    refusalReason: z.string().optional(),
    answers: z.record(z.string(), z.union([z.string(), z.boolean()])).optional(),
  })
  .meta({ id: 'Participant' });

const participantView = (p: z.infer<typeof Participant>) => ({
  userId: p.userId,
  email: p.email,
  status: p.status,
  acceptedRulesVersion: p.acceptedRulesVersion,
  acceptedAt: p.acceptedAt,
  registeredAt: p.registeredAt,
  ...(p.teamId ? { teamId: p.teamId } : {}),
  ...(p.refusedAt ? { refusedAt: p.refusedAt } : {}),
  ...(p.refusalReason ? { refusalReason: p.refusalReason } : {}),
  ...(p.answers ? { answers: p.answers } : {}),
});

const ParticipantParams = z.object({ challengeId: challengeIdParam, userId: z.string().min(1).max(128) });
const RefusalBody = {
  required: false,
  content: {
    'application/json': { schema: z.object({ reason: z.string().trim().min(3).max(500).optional().describe('told to the participant and audited') }) },
  },
};

const REFUSAL_SUMMARIES: Record<Refusal, string> = {
  reject: 'Reject a pending registration (audited; the participant is notified and cannot download or submit)',
  revoke: 'Revoke an approved registration (audited; the participant is notified and can no longer download or submit)',
};

export function adminParticipantRoutes({ ctx }: ApiDependencies) {
  const refusalRoute = (refusal: Refusal) =>
    createRoute({
      method: 'post',
      path: `/admin/challenges/{challengeId}/participants/{userId}/${refusal}`,
      tags: ['organisers'],
      summary: REFUSAL_SUMMARIES[refusal],
      security: bearer,
      request: { params: ParticipantParams, body: RefusalBody },
      responses: { 200: json(Participant), ...commonErrors },
    });
  const refuse =
    (refusal: Refusal): RouteHandler<ReturnType<typeof refusalRoute>> =>
    async (c) => {
      const organiser = organiserOf(c);
      const { challengeId, userId } = c.req.valid('param');
      const challenge = await getChallenge(ctx, challengeId);
      const { participant } = await refuseParticipant(ctx, challenge.id, userId, refusal, organiser, c.req.valid('json').reason);
      await notifyRegistrationRefused(ctx, challenge, participant);
      return c.json(participantView(participant), 200);
    };
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/participants',
        tags: ['organisers'],
        summary: 'Participants, optionally only pending ones',
        security: bearer,
        request: { params: ChallengeParams, query: z.object({ status: z.enum(REGISTRATION_STATUSES).optional() }) },
        responses: { 200: json(z.object({ participants: z.array(Participant) })), ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const participants = await listParticipants(ctx, challenge.id, c.req.valid('query').status);
        return c.json({ participants: participants.map(participantView) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/participants/{userId}/approve',
        tags: ['organisers'],
        summary: 'Approve a pending participant, or one rejected or revoked before',
        security: bearer,
        request: { params: ParticipantParams },
        responses: { 200: json(Participant), ...commonErrors },
      }),
      async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, userId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const participant = await approveParticipant(ctx, challenge.id, userId, organiser);
        await notifyRegistrationApproved(ctx, challenge, participant);
        return c.json(participantView(participant), 200);
      },
    )
    .openapi(refusalRoute('reject'), refuse('reject'))
    .openapi(refusalRoute('revoke'), refuse('revoke'));
}
