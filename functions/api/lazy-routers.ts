import type { Context, Handler } from 'hono';
import type { Principal } from '#shared/identity/principal.ts';
import type { ApiEnv } from './api-env.ts';
import { newRouter, type PodiumRouter } from './router.ts';

/** What a lazily loaded group hands to the app: its sub-apps, for dispatch and for `/openapi.json`. */
export interface LazyRouters {
  /** The group's routers, loaded on the first request that needs them (one import per warm container). */
  load: () => Promise<PodiumRouter[]>;
}

type Forwarded = { principal?: Principal };

/**
 * A group of routes whose code (handlers and the domain code only they use) is a chunk imported on
 * the first request to one of its paths, not at init: most cold starts serve competitors, never an
 * organiser route. The group answers from one sub-app that sees the caller `identify` verified, and
 * whose errors and unknown paths go back to the app's own `onError` and `notFound`, so responses are
 * the same as if its routes were mounted directly.
 */
export function lazyRouters(load: () => Promise<PodiumRouter[]>): LazyRouters & { handler: Handler<ApiEnv> } {
  let loaded: Promise<PodiumRouter[]> | undefined;
  let dispatcher: Promise<PodiumRouter> | undefined;
  const routers = () => (loaded ??= load().catch((error: unknown) => ((loaded = undefined), Promise.reject(error))));
  const group = () =>
    (dispatcher ??= routers().then((list) => {
      const app = newRouter();
      app.use('*', async (c, next) => {
        const { principal } = c.env as Forwarded;
        if (principal) c.set('principal', principal);
        await next();
      });
      for (const router of list) app.route('/', router);
      app.onError((error) => {
        throw error;
      });
      app.notFound(() => {
        throw NOT_IN_GROUP;
      });
      return app;
    }));
  const handler = async (c: Context<ApiEnv>) => {
    const app = await group();
    try {
      return await app.fetch(c.req.raw, { ...(c.env as object), principal: c.get('principal') });
    } catch (error) {
      if (error === NOT_IN_GROUP) return c.notFound();
      throw error;
    }
  };
  return { load: routers, handler };
}

const NOT_IN_GROUP = new Error('no route of this group matches');
