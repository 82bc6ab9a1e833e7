import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono/tiny';
import { validator } from 'hono/validator';
import type * as z from 'zod';
import { formatFieldPath } from '#shared/challenge/challenge.ts';
import { PodiumError } from '#shared/errors.ts';
import type { ApiEnv } from './api-env.ts';
import type { DeclaredResponse, RouteDefinition, ValidatedInput } from './openapi/route-definition.ts';

/** Hono's validation targets, named as a client knows them. */
const TARGET_NAMES = { param: 'path', query: 'query', header: 'header', json: 'body' } as const;

/** Parses one part of the request with its schema; failures are 400 VALIDATION_FAILED naming each field, thrown to the app's `onError`. */
function validated(target: keyof typeof TARGET_NAMES, schema: z.ZodType): MiddlewareHandler<ApiEnv> {
  return validator(target, (value) => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issues = result.error.issues.map((issue) => ({
      field: `${TARGET_NAMES[target]}.${formatFieldPath(issue.path)}`.replace(/\.\(root\)$/, ''),
      message: issue.message,
    }));
    throw new PodiumError('VALIDATION_FAILED', issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '), { issues });
  });
}

/** A route's handler: its inputs as validated, its answers as declared (`DeclaredResponse`). */
export type RouteHandler<Route extends RouteDefinition, Answer = Response & DeclaredResponse<Route>> = (
  c: Context<ApiEnv, string, ValidatedInput<Route>>,
) => Answer | Promise<Answer>;

/**
 * A Hono sub-app whose routes are declared with their OpenAPI definition: the same zod schemas
 * validate the request (path, then query, headers, body; see `validated`) and describe the route
 * in `/openapi.json`.
 */
export class PodiumRouter extends Hono<ApiEnv> {
  readonly definitions: RouteDefinition[] = [];

  // The answer is inferred from the handler, then checked against the declared responses (inferring
  // it from them instead makes TypeScript expand large bodies into unions it cannot represent).
  openapi<Route extends RouteDefinition, Answer extends Response & DeclaredResponse<Route>>(route: Route, handler: RouteHandler<Route, Answer>): this {
    this.definitions.push(route);
    const { params, query, headers, body } = route.request ?? {};
    const validators = [
      params && validated('param', params),
      query && validated('query', query),
      headers && validated('header', headers),
      body && validated('json', body.content['application/json'].schema),
    ].filter((middleware) => middleware !== undefined);
    // OpenAPI's `{name}` is Hono's `:name`.
    const path = route.path.replaceAll(/\{([^}]+)\}/g, ':$1');
    const handlers = [...validators, handler] as unknown as [MiddlewareHandler<ApiEnv>];
    this.on(route.method.toUpperCase(), path, ...handlers);
    return this;
  }
}

export const newRouter = () => new PodiumRouter();
