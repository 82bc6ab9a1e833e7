import { createPodiumApi } from '../../../api-client/podium-api.ts';
import { ApiError } from './api.ts';
import { bearerToken } from './session.ts';

/**
 * The generated typed client (api-client/, openapi-fetch), shared with the CLI: paths, parameters
 * and bodies are checked against /openapi.json at compile time. The rest of the app still goes
 * through `api()` (lib/api.ts) until every response has its schema.
 */
export const podiumApi = createPodiumApi({ baseUrl: location.origin, token: () => bearerToken() });

/** openapi-fetch's `{ data, error, response }` as the data, or the API's refusal as an ApiError. */
export async function answerOf<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call.catch((problem: unknown) => {
    throw new ApiError(0, 'UNREACHABLE', `the Podium API could not be reached (${String(problem)})`);
  });
  if (response.ok) return data as T;
  const body = (error ?? {}) as { error?: string; message?: string; details?: unknown };
  throw new ApiError(response.status, body.error ?? `HTTP_${response.status}`, body.message ?? `the API answered HTTP ${response.status}`, body.details);
}
