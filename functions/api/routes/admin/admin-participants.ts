import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { listParticipants } from '#shared/participants/participant-record.ts';
import { notifyRegistrationApproved } from '#shared/notifications/registration-notifications.ts';
import { approveParticipant } from '#shared/participants/registration.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter } from '../../router.ts';
import { bearer, challengeIdParam, ChallengeParams, commonErrors, json } from '../../schemas.ts';

const Participant = z
  .object({
    userId: z.string(),
    email: z.string(),
    status: z.enum(['approved', 'pending']),
    acceptedRulesVersion: z.string(),
    acceptedAt: z.string(),
    registeredAt: z.string(),
    teamId: z.string().optional(),
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
  ...(p.answers ? { answers: p.answers } : {}),
});

export function adminParticipantRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/participants',
        tags: ['organisers'],
        summary: 'Participants, optionally only pending ones',
        security: bearer,
        request: { params: ChallengeParams, query: z.object({ status: z.enum(['pending', 'approved']).optional() }) },
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
        summary: 'Approve a pending participant',
        security: bearer,
        request: { params: z.object({ challengeId: challengeIdParam, userId: z.string().min(1).max(128) }) },
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
    );
}
