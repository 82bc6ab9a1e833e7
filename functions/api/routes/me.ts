import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { getUser } from '#shared/identity/users.ts';
import type { ApiDependencies } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { newRouter } from '../router.ts';
import { bearer, commonErrors, json } from '../schemas.ts';

export function meRoutes({ ctx }: ApiDependencies) {
  return newRouter().openapi(
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['identity'],
      summary: 'The caller, as the verified token says',
      security: bearer,
      responses: {
        200: json(z.object({ userId: z.string(), email: z.string(), organiser: z.boolean(), createdAt: z.string().optional() })),
        401: commonErrors[401],
      },
    }),
    async (c) => {
      const principal = userOf(c);
      const user = await getUser(ctx, principal.userId);
      return c.json({ userId: principal.userId, email: principal.email, organiser: principal.organiser, ...(user ? { createdAt: user.createdAt } : {}) }, 200);
    },
  );
}
