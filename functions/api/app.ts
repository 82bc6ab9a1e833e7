import { swaggerUI } from '@hono/swagger-ui';
import { HTTPException } from 'hono/http-exception';
import { PodiumError } from '#shared/errors.ts';
import type { ApiDependencies } from './api-env.ts';
import { identify, requireCaller } from './auth.ts';
import { newRouter, type PodiumRouter } from './router.ts';
import { challengeRoutes } from './routes/challenges.ts';
import { codeReleaseRoutes } from './routes/code-releases.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { datasetRoutes } from './routes/datasets.ts';
import { devIdentityRoutes } from './routes/dev-identity.ts';
import { leaderboardRoutes } from './routes/leaderboard.ts';
import { receiptRoutes } from './routes/receipts.ts';
import { meRoutes } from './routes/me.ts';
import { registrationRoutes } from './routes/registration.ts';
import { submissionRoutes } from './routes/submissions.ts';
import { teamRoutes } from './routes/teams.ts';
import { trainingRoutes } from './routes/training.ts';
import { apiLog } from './api-log.ts';
import { lazyRouters } from './lazy-routers.ts';
import { openApiDocument } from './openapi/openapi-document.ts';

export type { ApiDependencies } from './api-env.ts';
export { challengeSummary } from './routes/challenges.ts';

/**
 * The Podium API: one Hono app, served by @hono/node-server locally and hono/aws-lambda on AWS.
 * Routes are sub-apps, one per resource, each a thin layer over domain functions in shared/.
 */
export function createApp(deps: ApiDependencies) {
  const { ctx, devIssuer } = deps;
  const verifier = deps.verifier ?? devIssuer?.verifier;
  const app = newRouter();

  // One error path: domain errors map to their status; anything else is a logged 500 with no stack.
  app.onError((error, c) => {
    if (error instanceof PodiumError) {
      if (error.code === 'QUOTA_EXCEEDED') {
        const next = (error.details as { nextAllowedAt?: string | null } | undefined)?.nextAllowedAt;
        if (next) c.header('Retry-After', String(Math.max(1, Math.ceil((Date.parse(next) - ctx.now().getTime()) / 1000))));
      }
      return c.json({ error: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) }, error.status as 400);
    }
    if (error instanceof HTTPException) {
      // Hono's own refusals (malformed JSON body, for one) are client errors in our shape.
      const code = error.status === 401 ? 'UNAUTHENTICATED' : error.status === 400 ? 'VALIDATION_FAILED' : 'HTTP_ERROR';
      return c.json({ error: code, message: error.message || 'the request could not be processed' }, error.status);
    }
    apiLog.error('unhandled error', { method: c.req.method, path: c.req.path, error: error as Error });
    return c.json({ error: 'INTERNAL', message: 'An internal error occurred' }, 500);
  });
  app.notFound((c) => c.json({ error: 'NOT_FOUND', message: `${c.req.method} ${c.req.path} is not a Podium route` }, 404));

  app.get('/health', (c) => c.json({ status: 'ok', time: ctx.now().toISOString() }));
  app.use('*', identify(ctx, verifier));
  // Who may call comes before whether the input is valid: an anonymous caller learns nothing
  // about a route's body from its validation errors.
  app.use('/admin/*', requireCaller('organiser'));
  // A published phase's receipts are public evidence (shared/receipts/receipt-access.ts decides who reads one).
  const requireUser = requireCaller('user');
  app.use('/submissions/*', (c, next) => (RECEIPT_PATH.test(c.req.path) ? next() : requireUser(c, next)));
  for (const path of [
    '/me',
    '/me/*',
    '/challenges/:challengeId/registration',
    '/challenges/:challengeId/teams/*',
    '/challenges/:challengeId/teams',
    '/challenges/:challengeId/datasets/*',
    '/challenges/:challengeId/submissions',
    '/challenges/:challengeId/phases/:phaseId/submissions',
    '/challenges/:challengeId/phases/:phaseId/quota',
    '/challenges/:challengeId/code-release',
    '/challenges/:challengeId/code-release/*',
  ]) {
    app.use(path, requireCaller('user'));
  }

  const routers = apiRouters(deps);
  for (const router of routers) app.route('/', router);
  // The organiser routes and the discussion are chunks loaded by their first request (lazy-routers.ts).
  const lazy = lazyApiRouters(deps);
  app.all('/admin/*', lazy.admin.handler);
  app.all('/challenges/:challengeId/discussion', lazy.discussion.handler);
  app.all('/challenges/:challengeId/discussion/*', lazy.discussion.handler);

  // Generated on the first request, not at init: most cold starts never serve it.
  let document: Promise<OpenApiDocument> | undefined;
  app.get('/openapi.json', async (c) => c.json(await (document ??= allApiRouters(deps, lazy).then(podiumOpenApiDocument))));
  // On AWS the UI's assets come from a CDN, so the Lambda bundle carries only this small HTML page;
  // the local stack serves them from the installed package, so /docs works offline.
  app.get('/docs', swaggerUI({ url: '/openapi.json', ...(deps.docsAssetsBase ? { baseUrl: deps.docsAssetsBase } : {}) }));
  // `app.routes` lists the lazy groups only as their `ALL` dispatchers; their own routes, once loaded:
  const lazyRoutes = async () => [...(await lazy.discussion.load()), ...(await lazy.admin.load())].flatMap((router) => router.routes);
  return Object.assign(app, { lazyRoutes });
}

export type PodiumApp = ReturnType<typeof createApp>;

/**
 * Every resource's sub-app mounted at init, in mounting order; building them touches no dependency
 * (handlers use `deps` per request). `loaded`: the lazily loaded groups, placed where the document lists them.
 */
export function apiRouters(
  deps: ApiDependencies,
  loaded: { discussion: PodiumRouter[]; admin: PodiumRouter[] } = { discussion: [], admin: [] },
): PodiumRouter[] {
  const { ctx, devIssuer } = deps;
  return [
    ...(devIssuer ? [devIdentityRoutes(ctx, devIssuer)] : []),
    ...(deps.localRouters ?? []),
    challengeRoutes(deps),
    meRoutes(deps),
    registrationRoutes(deps),
    teamRoutes(deps),
    datasetRoutes(deps),
    submissionRoutes(deps),
    trainingRoutes(deps),
    leaderboardRoutes(deps),
    receiptRoutes(deps),
    codeReleaseRoutes(deps),
    ...loaded.discussion,
    notificationRoutes(deps),
    privacyRoutes(deps),
    ...loaded.admin,
  ];
}

/** The route groups whose code is imported on first use: the discussion, and every organiser route. */
function lazyApiRouters(deps: ApiDependencies) {
  return {
    discussion: lazyRouters(async () => [(await import('./routes/discussion.ts')).discussionRoutes(deps)]),
    admin: lazyRouters(async () => (await import('./routes/admin/admin-routers.ts')).adminRouters(deps)),
  };
}

/** Every router, the lazily loaded groups' included (for `/openapi.json` and `npm run api:types`). */
export async function allApiRouters(deps: ApiDependencies, lazy = lazyApiRouters(deps)): Promise<PodiumRouter[]> {
  return apiRouters(deps, { discussion: await lazy.discussion.load(), admin: await lazy.admin.load() });
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;

/** `/openapi.json`: also what `npm run api:types` turns into api-client/openapi.d.ts, with no server started. */
export function podiumOpenApiDocument(routers: PodiumRouter[]): OpenApiDocument {
  return openApiDocument(
    {
      title: 'Podium API',
      version: '1.0.0',
      description: 'Medical data-science challenges: registration, teams, data access, submissions, leaderboards. See docs/API.md.',
    },
    { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Cognito ID token on AWS; POST /dev/login on the local stack' } },
    routers.flatMap((router) => router.definitions),
  );
}

const RECEIPT_PATH = /^\/submissions\/[^/]+\/receipt$/;
