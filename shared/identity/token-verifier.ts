import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { PodiumError } from '../errors.ts';
import { cognitoOrganiserMfaCheck, userPoolIdOfIssuer, type OrganiserMfaCheck } from './organiser-mfa.ts';
import { ORGANISERS_GROUP, type Principal } from './principal.ts';

/**
 * Bearer-token verification, the same code on AWS (Cognito's JWKS) and locally (Podium's dev
 * issuer): only where the keys come from differs.
 */
export interface TokenVerifierOptions {
  keys: JWTVerifyGetKey;
  issuer: string;
  /** The app client id: `aud` in ID tokens, `client_id` in Cognito access tokens. */
  audience: string;
  /** Organisers without TOTP lose organiser rights (Cognito); absent for the local dev issuer. */
  organiserMfa?: OrganiserMfaCheck;
}

export type TokenVerifier = (token: string, now: Date) => Promise<Principal>;

const unauthenticated = (message: string) => new PodiumError('UNAUTHENTICATED', message);

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  return async (token, now) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        currentDate: now,
        algorithms: ['RS256', 'ES256'],
        clockTolerance: 5,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthenticated('the bearer token has expired; log in again');
      if (error instanceof errors.JOSEError) throw unauthenticated(`the bearer token is not valid (${error.code})`);
      throw error;
    }
    const principal = principalFromClaims(payload, options.audience);
    if (!principal.organiser || !options.organiserMfa) return principal;
    // ID tokens name the user in `cognito:username`, access tokens in `username`.
    const username = [payload['cognito:username'], payload.username].find((value): value is string => typeof value === 'string') ?? principal.userId;
    if (await options.organiserMfa(username)) return principal;
    return { ...principal, organiser: false, organiserWithoutMfa: true };
  };
}

/** Maps verified claims to a principal; rejects tokens minted for another client. */
export function principalFromClaims(payload: JWTPayload, audience: string): Principal {
  const audiences = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
  // Cognito access tokens carry the app client in `client_id` and have no `aud`.
  const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
  if (!audiences.includes(audience) && clientId !== audience) throw unauthenticated('the bearer token was issued for another client');
  if (payload.token_use !== undefined && payload.token_use !== 'id' && payload.token_use !== 'access') {
    throw unauthenticated('the bearer token is neither an ID nor an access token');
  }
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw unauthenticated('the bearer token has no subject');
  const email = typeof payload.email === 'string' ? payload.email.trim().toLowerCase() : '';
  if (!email.includes('@')) {
    throw unauthenticated('the bearer token carries no email claim (send the ID token, or add email to access tokens)');
  }
  if (payload.email_verified === false || payload.email_verified === 'false') throw unauthenticated('the email address of this account is not verified');
  const groups = payload['cognito:groups'];
  const organiser = Array.isArray(groups) && groups.includes(ORGANISERS_GROUP);
  const name = payload.preferred_username ?? payload.name;
  return { userId: payload.sub, email, organiser, ...(typeof name === 'string' && name ? { displayName: name } : {}) };
}

/**
 * The Lambda's verifier, from `PODIUM_JWKS_URL`, `PODIUM_JWT_ISSUER` (the user pool's issuer, which
 * names the pool the organiser MFA check asks) and `PODIUM_JWT_AUDIENCE`.
 */
export function tokenVerifierFromEnv(env: NodeJS.ProcessEnv = process.env): TokenVerifier {
  const missing = ['PODIUM_JWKS_URL', 'PODIUM_JWT_ISSUER', 'PODIUM_JWT_AUDIENCE'].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`Invalid identity configuration: ${missing.join(', ')} must be set`);
  const userPoolId = userPoolIdOfIssuer(env.PODIUM_JWT_ISSUER!);
  return createTokenVerifier({
    keys: createRemoteJWKSet(new URL(env.PODIUM_JWKS_URL!)),
    issuer: env.PODIUM_JWT_ISSUER!,
    audience: env.PODIUM_JWT_AUDIENCE!,
    organiserMfa: cognitoOrganiserMfaCheck({
      userPoolId,
      client: async () => new (await import('./cognito-admin.ts')).CognitoIdentityProviderClient({}),
    }),
  });
}
