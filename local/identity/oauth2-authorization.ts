import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import type { DevIssuer, DevRole } from '#shared/identity/dev-issuer.ts';
import { PodiumRouter } from '../../functions/api/router.ts';

/**
 * The local stack's stand-in for the Cognito hosted UI: authorization code with PKCE (S256 only)
 * and the refresh_token grant, so the web app signs in locally exactly as on AWS. The dev issuer
 * has no passwords: the login page asks for an email (and whether to sign in as an organiser).
 * Mounted by local/platform.ts only; the Lambda never imports this file.
 */
export const LOCAL_OAUTH_CLIENT_ID = 'podium-local-web';
const CODE_LIFETIME_MS = 60_000;
/** An hour, as Cognito's default ID token. */
const TOKEN_LIFETIME_SECONDS = 3600;
/** The web app renews a minute before expiry: a shorter lifetime would renew in a loop. */
const MIN_TOKEN_LIFETIME_SECONDS = 65;

export interface LocalOAuthOptions {
  /** ID token lifetime; tests shorten it to see the web app renew its session unattended. */
  tokenLifetimeSeconds?: number;
}

interface PendingCode {
  email: string;
  role: DevRole;
  /** The `name` claim, as Cognito's `name` attribute gives it: how teammates and readers see the account. */
  displayName?: string;
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
}

export function localOAuthRoutes(issuer: DevIssuer, now: () => Date = () => new Date(), options: LocalOAuthOptions = {}) {
  const tokenLifetime = options.tokenLifetimeSeconds ?? TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(tokenLifetime) || tokenLifetime < MIN_TOKEN_LIFETIME_SECONDS) {
    throw new Error(`tokenLifetimeSeconds: ${tokenLifetime} is not a whole number of seconds of at least ${MIN_TOKEN_LIFETIME_SECONDS}`);
  }
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, { email: string; role: DevRole; displayName?: string }>();
  const router = new PodiumRouter();

  router.get('/oauth2/authorize', (c) => {
    const problem = authorizeRequestProblem(c);
    if (problem) return c.html(page('Sign-in refused', `<p role="alert">${escapeHtml(problem)}</p>`), 400);
    const query = c.req.query();
    const hidden = ['client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'lang']
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(query[name] ?? '')}">`)
      .join('');
    const french = (query.lang ?? '').startsWith('fr');
    const label = french
      ? {
          title: 'Connexion à Podium (local)',
          email: 'Adresse e-mail',
          name: 'Nom affiché (facultatif)',
          organiser: 'Se connecter comme organisateur',
          submit: 'Se connecter',
        }
      : {
          title: 'Sign in to Podium (local)',
          email: 'Email address',
          name: 'Display name (optional)',
          organiser: 'Sign in as an organiser',
          submit: 'Sign in',
        };
    return c.html(
      page(
        label.title,
        `<form method="post" action="/oauth2/authorize">${hidden}
<label for="email">${label.email}</label><input id="email" name="email" type="email" autocomplete="email" required autofocus>
<label for="name">${label.name}</label><input id="name" name="name" type="text" autocomplete="name" maxlength="60">
<label class="inline"><input type="checkbox" name="organiser" value="1"> ${label.organiser}</label>
<button type="submit">${label.submit}</button></form>
<p class="note">${french ? 'Fournisseur d’identité local : pas de mot de passe.' : 'Local identity provider: no password.'}</p>`,
        french ? 'fr' : 'en',
      ),
    );
  });

  router.post('/oauth2/authorize', async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const email = field('email').trim().toLowerCase();
    const redirectUri = field('redirect_uri');
    if (!isLoopbackRedirect(redirectUri) || field('client_id') !== LOCAL_OAUTH_CLIENT_ID || field('code_challenge_method') !== 'S256') {
      return c.html(page('Sign-in refused', '<p role="alert">invalid client_id, redirect_uri or code_challenge_method</p>'), 400);
    }
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return c.html(page('Sign-in refused', '<p role="alert">email: not a valid email address</p>'), 400);
    // Printable text only, as a team name: it is shown to other participants.
    const displayName = field('name')
      .trim()
      .slice(0, 60)
      .replace(/[\p{Cc}\p{Cf}]/gu, '');
    const code = randomBytes(24).toString('base64url');
    codes.set(code, {
      email,
      ...(displayName ? { displayName } : {}),
      role: field('organiser') === '1' ? 'organiser' : 'competitor',
      redirectUri,
      codeChallenge: field('code_challenge'),
      expiresAt: now().getTime() + CODE_LIFETIME_MS,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (field('state')) target.searchParams.set('state', field('state'));
    return c.redirect(target.toString(), 302);
  });

  router.post('/oauth2/token', async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const refuse = (error: string, description: string) => c.json({ error, error_description: description }, 400);
    let grant: { email: string; role: DevRole; displayName?: string };
    if (field('grant_type') === 'authorization_code') {
      const pending = codes.get(field('code'));
      codes.delete(field('code')); // one use, whatever the outcome
      if (!pending || pending.expiresAt < now().getTime()) return refuse('invalid_grant', 'code: unknown, used or expired');
      if (pending.redirectUri !== field('redirect_uri')) return refuse('invalid_grant', 'redirect_uri: differs from the authorization request');
      const verifierDigest = createHash('sha256').update(field('code_verifier')).digest('base64url');
      if (verifierDigest !== pending.codeChallenge) return refuse('invalid_grant', 'code_verifier: does not match the code_challenge');
      grant = pending;
    } else if (field('grant_type') === 'refresh_token') {
      const known = refreshTokens.get(field('refresh_token'));
      if (!known) return refuse('invalid_grant', 'refresh_token: unknown or revoked');
      grant = known;
    } else {
      return refuse('unsupported_grant_type', 'grant_type: authorization_code or refresh_token');
    }
    const { token } = await issuer.mint(grant.email, grant.role, now(), tokenLifetime, grant.displayName);
    const refreshToken = field('grant_type') === 'refresh_token' ? field('refresh_token') : randomBytes(32).toString('base64url');
    refreshTokens.set(refreshToken, grant);
    c.header('Cache-Control', 'no-store');
    return c.json({
      id_token: token,
      access_token: token,
      token_type: 'Bearer',
      expires_in: tokenLifetime,
      ...(field('grant_type') === 'authorization_code' ? { refresh_token: refreshToken } : {}),
    });
  });

  router.post('/oauth2/revoke', async (c) => {
    const form = await c.req.parseBody();
    if (typeof form.token === 'string') refreshTokens.delete(form.token);
    return c.body(null, 200);
  });
  return router;
}

function authorizeRequestProblem(c: Context): string | undefined {
  const query = c.req.query();
  if (query.response_type !== 'code') return 'response_type: must be code';
  if (query.client_id !== LOCAL_OAUTH_CLIENT_ID) return `client_id: must be ${LOCAL_OAUTH_CLIENT_ID}`;
  if (!isLoopbackRedirect(query.redirect_uri ?? '')) return 'redirect_uri: must be an http URL on 127.0.0.1 or localhost';
  if (query.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(query.code_challenge ?? '')) {
    return 'code_challenge: a S256 PKCE challenge is required';
  }
  return undefined;
}

const isLoopbackRedirect = (uri: string) => /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(uri);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, body: string, lang = 'en'): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
label{display:block;margin:1rem 0 .3rem}label.inline{display:flex;gap:.5rem;align-items:center}
input[type=email],input[type=text]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;background:#0b5cad;color:#fff;border:0;border-radius:4px}
.note{color:#4a5563;font-size:.9rem}</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
