import type { TypedResponse } from 'hono';
import type { StatusCode } from 'hono/utils/http-status';
import type { JSONParsed } from 'hono/utils/types';
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

type JsonSchemaOf<Response> = Response extends { content: { 'application/json': { schema: infer S extends z.ZodType } } } ? S : never;
type HasOtherContent<Response> = Response extends { content: infer Content } ? (Exclude<keyof Content, 'application/json'> extends never ? false : true) : true;

/**
 * What the route's handler may answer, checked at compile time: for each declared status, either
 * `c.json(body, status)` whose body is what the status's schema describes (zod's output side, as
 * `/openapi.json` documents it), or, where the status has no JSON content (a 304, a CSV), any body.
 * An undeclared status, a missing status argument or a body off its schema does not compile.
 */
export type DeclaredResponse<Route extends RouteDefinition> = {
  [S in keyof Route['responses'] & StatusCode]:
    | ([JsonSchemaOf<Route['responses'][S]>] extends [never] ? never : TypedResponse<JSONParsed<z.output<JsonSchemaOf<Route['responses'][S]>>>, S, 'json'>)
    | (HasOtherContent<Route['responses'][S]> extends true ? TypedResponse<unknown, S, 'body' | 'text'> : never);
}[keyof Route['responses'] & StatusCode];
