import { bearerToken, renew } from './session.ts';
import { webConfig } from './web-config.ts';

/** An API refusal as the API words it (`{ error, message, details }`, docs/API.md "Errors"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls the API with the session's bearer token; a 401 renews the token once and retries. */
export async function apiFetch(path: string, request: ApiRequest = {}): Promise<Response> {
  const send = async (token: string | undefined) =>
    fetch((webConfig().apiBase ?? '') + path, {
      method: request.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...request.headers,
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    }).catch((error: unknown) => {
      throw new ApiError(0, 'UNREACHABLE', `the Podium API could not be reached (${String(error)})`);
    });
  const token = await bearerToken();
  const response = await send(token);
  if (response.status !== 401 || !token) return response;
  return send((await renew())?.idToken);
}

/**
 * The JSON answer, or an ApiError carrying the API's own message. Untyped: only for what the API
 * does not serve yet (score history, challenge health, reject and revoke), shown as unavailable on
 * its 404. Everything else goes through the typed client (podium-api.ts).
 */
export async function api<T>(path: string, request: ApiRequest = {}): Promise<T> {
  const response = await apiFetch(path, request);
  if (response.ok) return (response.status === 204 ? undefined : await response.json()) as T;
  throw await apiErrorOf(response);
}

export async function apiErrorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as { error?: string; message?: string; details?: unknown } | undefined;
  return new ApiError(response.status, body?.error ?? `HTTP_${response.status}`, body?.message ?? `the API answered HTTP ${response.status}`, body?.details);
}

/** Path segment, escaped. */
export const seg = (value: string) => encodeURIComponent(value);
