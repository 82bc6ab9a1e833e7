import { createPodiumApi, type PodiumApi } from '../api-client/podium-api.ts';
import { CliError, EXIT } from './output.ts';

/** The API's error shape (docs/API.md): `{ error, message, details? }`. */
interface ApiErrorBody {
  error?: string;
  message?: string;
  details?: unknown;
  nextAllowedAt?: string;
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

/** What an openapi-fetch call resolves to: its typed data, or the API's error body with the response. */
type ApiResult<Data> = { data?: Data; error?: unknown; response: Response };

/**
 * The CLI's view of the Podium API: the generated typed client (api-client/podium-api.ts) three
 * ways, by what a route needs of the caller, and `read`, which turns every failure into a CliError
 * that names the route.
 *
 * @example
 *   const { challenges } = await cli.api.read(cli.api.anyone.GET('/challenges'));
 */
export class ApiClient {
  readonly baseUrl: string;
  /** Routes that need the caller: without a usable login the request is refused here (NOT_LOGGED_IN, LOGIN_EXPIRED). */
  readonly user: PodiumApi;
  /** Public routes: no token is sent. */
  readonly anyone: PodiumApi;
  /** Public routes that show a known caller more (leaderboards, receipts): the token when one is usable. */
  readonly caller: PodiumApi;
  private session: ApiSession;
  private renewing: Promise<void> | undefined;
  /** Each answer's route, for error messages: `GET /submissions/s-1`. */
  private readonly routes = new WeakMap<Response, string>();

  constructor(baseUrl: string, session: ApiSession = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.session = session;
    const client = (token?: () => Promise<string | undefined>) => {
      // Resolved per request, so a test (or a proxy agent) that replaces global fetch is used.
      const api = createPodiumApi({ baseUrl: this.baseUrl, fetch: (request) => globalThis.fetch(request), ...(token ? { token } : {}) });
      api.use({
        onResponse: ({ request, response }) => {
          this.routes.set(response, `${request.method} ${new URL(request.url).pathname}`);
          return undefined;
        },
      });
      return api;
    };
    this.user = client(() => this.currentToken());
    this.anyone = client();
    this.caller = client(async () => (this.hasUsableToken ? this.currentToken() : undefined));
  }

  /** Whether a usable (present, unexpired or renewable) token would be sent: public routes then identify the caller. */
  get hasUsableToken(): boolean {
    const { token, expiresAt, refresh } = this.session;
    return Boolean(token) && (Boolean(refresh) || !(expiresAt && Date.parse(expiresAt) <= Date.now()));
  }

  /** The data of a successful call; otherwise a CliError: the API's own code and message, or what went wrong on the way. */
  async read<Data>(call: Promise<ApiResult<Data>>): Promise<Data> {
    let result: ApiResult<Data>;
    try {
      result = await call;
    } catch (error) {
      if (error instanceof CliError) throw error;
      if (error instanceof SyntaxError) throw new CliError('BAD_RESPONSE', `the Podium API at ${this.baseUrl} answered with a body that is not JSON`);
      throw new CliError('API_UNREACHABLE', `cannot reach the Podium API at ${this.baseUrl} (${causeOf(error)})`, {
        exitCode: EXIT.unreachable,
        hint: 'start it with `npm start`, or point the CLI elsewhere with --api URL',
      });
    }
    const { response } = result;
    if (!response.ok) throw apiError(this.routes.get(response) ?? response.url, response, result.error);
    return result.data as Data;
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

/** `body`: what openapi-fetch read of the error answer, our JSON parsed, anything else (a proxy's page) as text. */
function apiError(route: string, response: Response, body: unknown): CliError {
  const parsed: ApiErrorBody = body && typeof body === 'object' ? (body as ApiErrorBody) : {};
  const text = typeof body === 'string' ? body : '';
  const code = parsed.error ?? `HTTP_${response.status}`;
  let message = parsed.message ?? `${route} answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
  const retryAt = parsed.nextAllowedAt ?? (parsed.details as { nextAllowedAt?: string } | undefined)?.nextAllowedAt;
  if (response.status === 429 && retryAt && !message.includes(retryAt)) message += ` (next submission allowed at ${retryAt})`;
  return new CliError(code, message, { details: parsed.details, hint: hintFor(code, parsed.details) });
}
