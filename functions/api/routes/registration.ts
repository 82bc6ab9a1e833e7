import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { notFound } from '#shared/errors.ts';
import { findParticipant, registrationView } from '#shared/participants/participant-record.ts';
import { acceptRules } from '#shared/participants/registration.ts';
import type { ApiDependencies } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { newRouter } from '../router.ts';
import { bearer, ChallengeParams, commonErrors, json } from '../schemas.ts';

const Registration = z
  .object({
    status: z.enum(['approved', 'pending', 'rejected', 'revoked']),
    acceptedRulesVersion: z.string(),
    acceptedAt: z.string(),
    teamId: z.string().optional(),
  })
  .meta({ id: 'Registration' });

const JoinBody = z
  .object({
    rulesVersion: z.string().min(1).max(64),
    answers: z
      .record(z.string().max(40), z.union([z.string().max(2000), z.boolean()]))
      .refine((answers) => Object.keys(answers).length <= 20)
      .optional(),
  })
  .meta({ id: 'JoinRequest' });

export function registrationRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/registration',
        tags: ['registration'],
        summary: 'Join the challenge (or re-accept changed rules) by accepting the current rules version',
        security: bearer,
        request: {
          params: ChallengeParams,
          body: { required: true, content: { 'application/json': { schema: JoinBody } } },
        },
        responses: { 200: json(Registration), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const { rulesVersion, answers } = c.req.valid('json');
        const participant = await acceptRules(ctx, challenge, principal, rulesVersion, answers);
        return c.json(registrationView(participant), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/registration',
        tags: ['registration'],
        summary: 'My registration',
        security: bearer,
        request: { params: ChallengeParams },
        responses: { 200: json(Registration), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const participant = await findParticipant(ctx, challenge.id, principal.userId);
        if (!participant) throw notFound(`your registration to ${challenge.id}`);
        return c.json(registrationView(participant), 200);
      },
    );
}
