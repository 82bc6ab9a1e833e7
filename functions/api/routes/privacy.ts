import * as z from 'zod';
import { erasePersonalData, exportPersonalData } from '#shared/privacy/personal-data.ts';
import type { ApiDependencies } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { createRoute } from '../openapi/route-definition.ts';
import { newRouter } from '../router.ts';
import { AnyObject, bearer, commonErrors, json } from '../schemas.ts';

export function privacyRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/me/personal-data',
        tags: ['privacy'],
        summary: 'Everything Podium holds about me, as JSON (docs/PRIVACY.md)',
        security: bearer,
        responses: { 200: json(AnyObject), ...commonErrors },
      }),
      async (c) => c.json(await exportPersonalData(ctx, userOf(c)), 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/me/erasure',
        tags: ['privacy'],
        summary: 'Erase my personal data: posts and submissions pseudonymised, scores kept, e-mail removed (audit-logged)',
        security: bearer,
        request: { body: { required: true, content: { 'application/json': { schema: z.object({ confirmEmail: z.string().max(320) }) } } } },
        responses: { 200: json(AnyObject), ...commonErrors },
      }),
      async (c) => c.json(await erasePersonalData(ctx, userOf(c), c.req.valid('json').confirmEmail), 200),
    );
}
