import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { ORGANISERS_GROUP } from './principal.ts';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.ts';

/**
 * The local stack's own token issuer, standing in for Cognito: an ES256 key persisted under
 * `<dataDir>/dev-issuer/`, a JWKS, and tokens shaped like Cognito ID tokens (`email`,
 * `cognito:groups`), so the verifier cannot tell the difference.
 */
export const DEV_ISSUER = 'podium-local';
export const DEV_AUDIENCE = 'podium-local-client';
const TOKEN_LIFETIME_SECONDS = 12 * 3600;

export type DevRole = 'competitor' | 'organiser';

export interface DevIssuer {
  jwks: JSONWebKeySet;
  verifier: TokenVerifier;
  /** @param lifetimeSeconds 12 hours unless given (the local web login's tokens last one hour, to be refreshed). */
  mint(email: string, role: DevRole, now: Date, lifetimeSeconds?: number, displayName?: string): Promise<{ token: string; userId: string; expiresAt: string }>;
}

/** Stable per email, so logging in twice yields the same account. */
export const devUserId = (email: string) => `u-${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 20)}`;

async function loadOrCreateKey(dir: string | undefined): Promise<JWK> {
  const file = dir ? join(dir, 'dev-issuer', 'signing-key.json') : undefined;
  if (file) {
    const stored = await readFile(file, 'utf8').catch(() => undefined);
    if (stored) return JSON.parse(stored) as JWK;
  }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 12), alg: 'ES256' };
  if (file) {
    await mkdir(join(dir!, 'dev-issuer'), { recursive: true });
    await writeFile(file, JSON.stringify(jwk), { mode: 0o600 });
  }
  return jwk;
}

/** @param dataDir persist the key here (`.data`); in memory when absent (tests). */
export async function createDevIssuer(dataDir?: string): Promise<DevIssuer> {
  const privateJwk = await loadOrCreateKey(dataDir);
  const { d: _private, ...publicJwk } = privateJwk;
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, use: 'sig' }] };
  const signingKey = await importJWK(privateJwk, 'ES256');
  return {
    jwks,
    verifier: createTokenVerifier({ keys: createLocalJWKSet(jwks), issuer: DEV_ISSUER, audience: DEV_AUDIENCE }),
    async mint(email, role, now, lifetimeSeconds = TOKEN_LIFETIME_SECONDS, displayName) {
      const normalised = email.trim().toLowerCase();
      const userId = devUserId(normalised);
      const issuedAt = Math.floor(now.getTime() / 1000);
      const token = await new SignJWT({
        email: normalised,
        email_verified: true,
        ...(displayName ? { name: displayName } : {}),
        token_use: 'id',
        'cognito:groups': role === 'organiser' ? [ORGANISERS_GROUP] : [],
      })
        .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid! })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setSubject(userId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + lifetimeSeconds)
        .sign(signingKey);
      return { token, userId, expiresAt: new Date((issuedAt + lifetimeSeconds) * 1000).toISOString() };
    },
  };
}
