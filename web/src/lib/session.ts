import { useSyncExternalStore } from 'react';
import { webConfig } from './web-config.ts';

/**
 * Sign-in with the authorization code flow and PKCE (RFC 7636), against the Cognito hosted UI on
 * AWS and the local identity provider's `/oauth2/*` locally. The ID token is the API's bearer
 * token; it is renewed silently with the refresh token a minute before it expires.
 */
export interface Session {
  idToken: string;
  refreshToken?: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  email: string;
  userId: string;
  organiser: boolean;
}

const STORAGE_KEY = 'podium.session';
const PENDING_KEY = 'podium.pendingLogin';
const RENEW_BEFORE_MS = 60_000;
export const CALLBACK_PATH = '/auth/callback';

let current: Session | undefined = readStored();
const listeners = new Set<() => void>();
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let renewing: Promise<Session | undefined> | undefined;

function readStored(): Session | undefined {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null;
    return stored ?? undefined;
  } catch {
    return undefined;
  }
}

function setSession(session: Session | undefined) {
  current = session;
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
  scheduleRenewal();
  for (const listener of listeners) listener();
}

export function useSession(): Session | undefined {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

const base64Url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

const randomToken = () => base64Url(crypto.getRandomValues(new Uint8Array(32)));

/** Leaves for the sign-in page; comes back to `returnTo` through CALLBACK_PATH. */
export async function signIn(returnTo: string, language: string): Promise<void> {
  const { auth } = webConfig();
  const verifier = randomToken();
  const state = randomToken();
  const challenge = base64Url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  const url = new URL(auth.authorizeUrl, location.origin);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: location.origin + CALLBACK_PATH,
    scope: auth.scopes,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    lang: language,
  }).toString();
  location.assign(url.toString());
}

/** Exchanges the code the identity provider sent back; returns where to go next. */
export async function completeSignIn(search: string): Promise<string> {
  const params = new URLSearchParams(search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (params.get('error')) throw new Error(`sign-in refused: ${params.get('error_description') ?? params.get('error')}`);
  if (!pending || params.get('state') !== pending.state) throw new Error('sign-in answer does not match a sign-in started here; please sign in again');
  const tokens = await tokenRequest({
    grant_type: 'authorization_code',
    code: params.get('code') ?? '',
    code_verifier: pending.verifier,
    redirect_uri: location.origin + CALLBACK_PATH,
    client_id: webConfig().auth.clientId,
  });
  setSession(sessionOf(tokens));
  return pending.returnTo || '/';
}

interface TokenAnswer {
  id_token: string;
  refresh_token?: string;
  expires_in: number;
}

async function tokenRequest(form: Record<string, string>): Promise<TokenAnswer> {
  const response = await fetch(new URL(webConfig().auth.tokenUrl, location.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json().catch(() => ({}))) as Partial<TokenAnswer> & { error?: string; error_description?: string };
  if (!response.ok || !body.id_token) throw new Error(`sign-in failed: ${body.error_description ?? body.error ?? `HTTP ${response.status}`}`);
  return body as TokenAnswer;
}

function sessionOf(tokens: TokenAnswer, previousRefresh?: string): Session {
  const claims = JSON.parse(atob(tokens.id_token.split('.')[1]!.replaceAll('-', '+').replaceAll('_', '/'))) as {
    sub: string;
    email?: string;
    exp: number;
    'cognito:groups'?: string[];
  };
  const refreshToken = tokens.refresh_token ?? previousRefresh;
  return {
    idToken: tokens.id_token,
    ...(refreshToken ? { refreshToken } : {}),
    expiresAt: Math.min(claims.exp * 1000, Date.now() + tokens.expires_in * 1000),
    email: claims.email ?? '',
    userId: claims.sub,
    organiser: (claims['cognito:groups'] ?? []).includes('organisers'),
  };
}

/** The bearer token to send now, renewed first when it is about to expire; undefined when signed out. */
export async function bearerToken(): Promise<string | undefined> {
  if (!current) return undefined;
  if (current.expiresAt - RENEW_BEFORE_MS > Date.now()) return current.idToken;
  return (await renew())?.idToken;
}

/** One renewal at a time; a refused refresh token signs the user out. */
export function renew(): Promise<Session | undefined> {
  const refreshToken = current?.refreshToken;
  if (!refreshToken) {
    setSession(undefined);
    return Promise.resolve(undefined);
  }
  renewing ??= tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: webConfig().auth.clientId })
    .then((tokens) => {
      setSession(sessionOf(tokens, refreshToken));
      return current;
    })
    .catch(() => {
      setSession(undefined);
      return undefined;
    })
    .finally(() => (renewing = undefined));
  return renewing;
}

function scheduleRenewal() {
  clearTimeout(renewTimer);
  if (!current?.refreshToken) return;
  const delay = Math.max(0, current.expiresAt - RENEW_BEFORE_MS - Date.now());
  renewTimer = setTimeout(() => void renew(), Math.min(delay, 2_147_000_000));
}

export async function signOut(): Promise<void> {
  const { auth } = webConfig();
  const refreshToken = current?.refreshToken;
  setSession(undefined);
  if (refreshToken && auth.revokeUrl) {
    await fetch(new URL(auth.revokeUrl, location.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, client_id: auth.clientId }),
    }).catch(() => undefined);
  }
  if (auth.logoutUrl) {
    // Cognito's /logout ends the hosted UI's own session too, then comes back here.
    const url = new URL(auth.logoutUrl);
    url.searchParams.set('client_id', auth.clientId);
    url.searchParams.set('logout_uri', location.origin + '/');
    location.assign(url.toString());
  }
}

scheduleRenewal();
