import { CliError, EXIT } from './output.ts';

/** The API's error shape (docs/API.md): `{ error, message, details? }`. */
interface ApiErrorBody {
  error?: string;
  message?: string;
  details?: unknown;
  nextAllowedAt?: string;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the bearer token (default true); public routes may skip it. */
  auth?: boolean;
  query?: Record<string, string | number | undefined>;
}

/**
 * The login the client sends. With `refresh` (a Cognito login), a token within
 * `REFRESH_MARGIN_MS` of expiry is renewed before the request, so a long `submit` never ends
 * LOGIN_EXPIRED while the refresh token is valid.
 */
export interface ApiSession {
  token?: string;
  expiresAt?: string;
  refresh?: () => Promise<{ token: string; expiresAt: string }>;
}

/** Renew this long before expiry: a request (an upload) must not outlive its token. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** Thin typed fetch over the Podium API; every failure becomes a CliError that names the route. */
export class ApiClient {
  readonly baseUrl: string;
  private session: ApiSession;
  private renewing: Promise<void> | undefined;

  constructor(baseUrl: string, session: ApiSession = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.session = session;
  }

  /** Whether a usable (present, unexpired or renewable) token would be sent: public routes then identify the caller. */
  get hasUsableToken(): boolean {
    const { token, expiresAt, refresh } = this.session;
    return Boolean(token) && (Boolean(refresh) || !(expiresAt && Date.parse(expiresAt) <= Date.now()));
  }

  url(path: string, query?: RequestOptions['query']): string {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    return url.toString();
  }

  async get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  async post<T>(path: string, body: unknown = {}, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  /** A raw response (CSV exports); errors are still mapped. */
  async fetchRaw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.auth !== false) headers.authorization = `Bearer ${await this.currentToken()}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const url = this.url(path, options.query);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    } catch (error) {
      throw new CliError('API_UNREACHABLE', `cannot reach the Podium API at ${this.baseUrl} (${causeOf(error)})`, {
        exitCode: EXIT.unreachable,
        hint: 'start it with `npm start`, or point the CLI elsewhere with --api URL',
      });
    }
    if (!response.ok) throw await apiError(method, path, response);
    return response;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.fetchRaw(method, path, options);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new CliError('BAD_RESPONSE', `${method} ${path} answered ${response.status} with a body that is not JSON`);
    }
  }

  private async currentToken(): Promise<string> {
    const { token, expiresAt, refresh } = this.session;
    if (!token) {
      throw new CliError('NOT_LOGGED_IN', 'you are not logged in', { hint: 'run `podium login --email you@example.org` first' });
    }
    const expiresInMs = expiresAt ? Date.parse(expiresAt) - Date.now() : Infinity;
    if (refresh && expiresInMs <= REFRESH_MARGIN_MS) {
      // Concurrent requests (parallel uploads) share one renewal.
      this.renewing ??= refresh()
        .then((renewed) => {
          this.session = { ...this.session, ...renewed };
        })
        .finally(() => (this.renewing = undefined));
      await this.renewing;
      return this.session.token!;
    }
    if (expiresInMs <= 0) {
      throw new CliError('LOGIN_EXPIRED', `your login expired at ${expiresAt}`, { hint: 'run `podium login` again' });
    }
    return token;
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

const HINTS: Record<string, string> = {
  UNAUTHENTICATED: 'run `podium login` again',
  REGISTRATION_PENDING: 'an organiser has to approve your registration first',
  REGISTRATION_REJECTED: 'the organisers declined your registration; write to them if you think it is a mistake',
  REGISTRATION_REVOKED: 'the organisers withdrew your registration; write to them if you think it is a mistake',
  FORBIDDEN: 'this needs an organiser login: `podium login --role organiser …`',
  MFA_REQUIRED: 'enrol an authenticator app with `podium mfa setup`, then `podium mfa verify <code>`',
  QUOTA_EXCEEDED: 'see what is left with `podium quota --phase <id>`',
};

/** A hint is a command the user can paste: the challenge comes from the error's details. */
function hintFor(code: string, details: unknown): string | undefined {
  if (code === 'RULES_NOT_ACCEPTED') {
    const challengeId = (details as { challengeId?: unknown } | undefined)?.challengeId;
    return typeof challengeId === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(challengeId)
      ? `read and accept the current rules with \`podium join ${challengeId}\``
      : 'read and accept the current rules with `podium join <challenge id>` (see `podium challenges`)';
  }
  return HINTS[code];
}

async function apiError(method: string, path: string, response: Response): Promise<CliError> {
  const text = await response.text().catch(() => '');
  let body: ApiErrorBody = {};
  try {
    body = JSON.parse(text) as ApiErrorBody;
  } catch {
    // Not our JSON (a proxy, or a route that does not exist yet): report the status and a snippet.
  }
  const code = body.error ?? `HTTP_${response.status}`;
  let message = body.message ?? `${method} ${path} answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
  const retryAt = body.nextAllowedAt ?? (body.details as { nextAllowedAt?: string } | undefined)?.nextAllowedAt;
  if (response.status === 429 && retryAt && !message.includes(retryAt)) message += ` (next submission allowed at ${retryAt})`;
  return new CliError(code, message, { details: body.details, hint: hintFor(code, body.details) });
}
