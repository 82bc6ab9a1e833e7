import type { Context, MiddlewareHandler } from 'hono';
import { PodiumError } from '#shared/errors.ts';
import type { Principal } from '#shared/identity/principal.ts';
import type { TokenVerifier } from '#shared/identity/token-verifier.ts';
import { ensureUser } from '#shared/identity/users.ts';
import type { PodiumContext } from '#shared/context.ts';
import type { ApiEnv } from './api-env.ts';

/** Users known to exist, so a warm Lambda does not re-read the account on every call. */
const knownUsers = new Map<string, string>();
const KNOWN_USERS_MAX = 10_000;

/**
 * Verifies a bearer token when one is sent and records the caller; creates their account on
 * their first call. Routes decide what an anonymous caller may do (`userOf`, `organiserOf`).
 * A token that is sent but invalid is refused everywhere, so a client never silently loses its identity.
 */
export function identify(ctx: PodiumContext, verifier: TokenVerifier | undefined): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new PodiumError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
      if (!verifier) throw new PodiumError('UNAUTHENTICATED', 'this deployment has no token verifier configured');
      const principal = await verifier(match[1]!, ctx.now());
      if (knownUsers.get(principal.userId) !== principal.email) {
        await ensureUser(ctx, principal);
        if (knownUsers.size >= KNOWN_USERS_MAX) knownUsers.clear();
        knownUsers.set(principal.userId, principal.email);
      }
      c.set('principal', principal);
    }
    await next();
  };
}

export function userOf(c: Context<ApiEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new PodiumError('UNAUTHENTICATED', 'this route needs a bearer token: Authorization: Bearer <token>');
  return principal;
}

export function organiserOf(c: Context<ApiEnv>): Principal {
  const principal = userOf(c);
  if (principal.organiserWithoutMfa) {
    throw new PodiumError('MFA_REQUIRED', 'organiser routes need TOTP multi-factor authentication on your account; enrol with `podium mfa setup`');
  }
  if (!principal.organiser) throw new PodiumError('FORBIDDEN', 'this route is for the organisers of the challenge');
  return principal;
}

/** Route-group guard: refuses before validation runs (401 anonymous, 403 non-organiser on admin routes). */
export function requireCaller(kind: 'user' | 'organiser'): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (kind === 'organiser') organiserOf(c);
    else userOf(c);
    await next();
  };
}
