import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import type { DevIssuer } from '#shared/identity/dev-issuer.ts';
import type { PodiumContext } from '#shared/context.ts';
import { newRouter } from '../router.ts';
import { commonErrors, json } from '../schemas.ts';

/** The local issuer's public keys and token minting. Mounted only when the local stack passes a dev issuer. */
export function devIdentityRoutes(ctx: PodiumContext, issuer: DevIssuer) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/.well-known/jwks.json',
        tags: ['local identity'],
        summary: 'Public keys of the local token issuer',
        responses: {
          200: json(z.object({ keys: z.array(z.record(z.string(), z.unknown()).meta({ description: 'a public JWK' })) }).meta({ id: 'JsonWebKeySet' })),
        },
      }),
      (c) => c.json(issuer.jwks, 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/dev/login',
        tags: ['local identity'],
        summary: 'Mint a token for an email and role (local stack only)',
        request: {
          body: {
            required: true,
            content: { 'application/json': { schema: z.object({ email: z.email(), role: z.enum(['competitor', 'organiser']).default('competitor') }) } },
          },
        },
        responses: { 200: json(z.object({ token: z.string(), userId: z.string(), expiresAt: z.string() })), 400: commonErrors[400] },
      }),
      async (c) => {
        const { email, role } = c.req.valid('json');
        return c.json(await issuer.mint(email, role, ctx.now()), 200);
      },
    );
}
