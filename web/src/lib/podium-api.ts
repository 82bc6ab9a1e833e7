import { createPodiumApi, type ApiSchema } from '../../../api-client/podium-api.ts';
import { ApiError } from './api.ts';
import { bearerToken, renew } from './session.ts';
import { webConfig } from './web-config.ts';

export type { ApiSchema };

/** Sends the request to the configured API origin (the page's own when absent); a 401 renews the token once and retries. */
async function sendWithRenewal(request: Request): Promise<Response> {
  const apiBase = webConfig().apiBase;
  const url = new URL(request.url);
  const target = apiBase ? new Request(apiBase.replace(/\/+$/, '') + url.pathname + url.search, request) : request;
  const retry = target.clone();
  const response = await fetch(target);
  if (response.status !== 401 || !target.headers.has('authorization')) return response;
  const renewed = await renew();
  if (!renewed) return response;
  retry.headers.set('authorization', `Bearer ${renewed.idToken}`);
  return fetch(retry);
}

/**
 * The generated typed client (api-client/, openapi-fetch), shared with the CLI: paths, parameters,
 * bodies and answers are checked against /openapi.json at compile time.
 */
export const podiumApi = createPodiumApi({ baseUrl: location.origin, token: () => bearerToken(), fetch: sendWithRenewal });

/** openapi-fetch's `{ data, error, response }` as the data, or the API's refusal as an ApiError. */
export async function answerOf<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call.catch((problem: unknown) => {
    throw new ApiError(0, 'UNREACHABLE', `the Podium API could not be reached (${String(problem)})`);
  });
  if (response.ok) return data as T;
  const body = (error ?? {}) as { error?: string; message?: string; details?: unknown };
  throw new ApiError(response.status, body.error ?? `HTTP_${response.status}`, body.message ?? `the API answered HTTP ${response.status}`, body.details);
}
