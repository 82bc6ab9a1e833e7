import type * as z from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface MediaContent {
  schema: z.ZodType;
}

export interface JsonRequestBody {
  required?: boolean;
  description?: string;
  content: { 'application/json': MediaContent };
}

export interface RouteResponse {
  description: string;
  content?: Record<string, MediaContent>;
}

/** One route as OpenAPI describes it; its zod schemas both validate the request and document it. */
export interface RouteDefinition {
  method: HttpMethod;
  /** OpenAPI's template syntax: `/challenges/{challengeId}`. */
  path: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  request?: {
    params?: z.ZodObject;
    query?: z.ZodObject;
    headers?: z.ZodObject;
    body?: JsonRequestBody;
  };
  responses: Record<number, RouteResponse>;
}

/** Declares a route, keeping its literal type so the handler knows each validated input's shape. */
export const createRoute = <Route extends RouteDefinition>(route: Route): Route => route;

type NoInput = Record<never, never>;
type RequestOf<Route> = Route extends { request: infer Request } ? Request : unknown;

/** What `c.req.valid(target)` returns in the route's handler: each input as its schema parsed it. */
export type ValidatedInput<Route extends RouteDefinition> = {
  out: (RequestOf<Route> extends { params: infer S extends z.ZodType } ? { param: z.output<S> } : NoInput) &
    (RequestOf<Route> extends { query: infer S extends z.ZodType } ? { query: z.output<S> } : NoInput) &
    (RequestOf<Route> extends { headers: infer S extends z.ZodType } ? { header: z.output<S> } : NoInput) &
    (RequestOf<Route> extends { body: { content: { 'application/json': { schema: infer S extends z.ZodType } } } } ? { json: z.output<S> } : NoInput);
};
