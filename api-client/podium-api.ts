import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi.d.ts';

/**
 * The one typed client of the Podium API, for the CLI and the web app alike: openapi-fetch over the
 * types `npm run api:types` generates from the route definitions. Browser-safe: no Node import.
 *
 * @example
 *   const api = createPodiumApi({ baseUrl: 'http://127.0.0.1:8787', token: () => session.idToken });
 *   const { data, error } = await api.GET('/challenges/{challengeId}', { params: { path: { challengeId: 'tissuenet' } } });
 */
export type PodiumApi = Client<paths>;
export type { components, paths };

/** A named response or request schema of the API (`/openapi.json`'s components), e.g. `ApiSchema<'Submission'>`. */
export type ApiSchema<Name extends keyof components['schemas']> = components['schemas'][Name];

/** What the token provider learns of the request it authorises. */
export interface TokenRequest {
  method: string;
  /** The OpenAPI path template, e.g. `/submissions/{submissionId}`. */
  schemaPath: string;
}

export interface PodiumApiOptions {
  /** The API's root URL, e.g. `https://api.example.org` or `http://127.0.0.1:8787`. */
  baseUrl: string;
  /**
   * The bearer token for a request, asked before each one so it may renew a token near expiry;
   * `undefined` sends none (signed out, or a public route). It may throw to refuse the request.
   */
  token?: (request: TokenRequest) => string | undefined | Promise<string | undefined>;
  /** Another fetch (tests pass the app's own `request`). */
  fetch?: (request: Request) => Promise<Response>;
}

export function createPodiumApi({ baseUrl, token, fetch }: PodiumApiOptions): PodiumApi {
  const api = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ''), ...(fetch ? { fetch } : {}) });
  if (token) api.use(bearerToken(token));
  return api;
}

/** Sets `Authorization: Bearer …` unless the caller set its own header for this request. */
function bearerToken(token: NonNullable<PodiumApiOptions['token']>): Middleware {
  return {
    async onRequest({ request, schemaPath }) {
      if (request.headers.has('authorization')) return undefined;
      const value = await token({ method: request.method, schemaPath });
      if (value) request.headers.set('authorization', `Bearer ${value}`);
      return request;
    },
  };
}
