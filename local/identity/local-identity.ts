import { createRemoteJWKSet, decodeJwt } from 'jose';
import { PodiumError } from '#shared/errors.ts';
import { cognitoOrganiserMfaCheck } from '#shared/identity/organiser-mfa.ts';
import { createTokenVerifier, type TokenVerifier } from '#shared/identity/token-verifier.ts';
import { startCognitoEmulator, type CognitoEmulator } from './cognito-emulator.ts';
import { emulatorAdminClient, ensureLocalUserPool } from './local-user-pool.ts';

/**
 * Identity on the local stack: a Cognito emulator with the platform's user pool, and the API's
 * verifier for its tokens, built as the Lambda builds it (JWKS, issuer, app client, the organiser
 * TOTP check through AdminGetUser). The dev issuer's tokens (`podium login` without a Cognito
 * client, the README's quick path) are accepted beside them.
 */
export interface LocalIdentity {
  emulator: CognitoEmulator;
  /** `--cognito-endpoint` for `podium login` against this stack. */
  endpoint: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  /** Accepts the emulator's tokens and, when given, the dev issuer's. */
  verifier(devIssuerVerifier?: TokenVerifier): TokenVerifier;
  close(): Promise<void>;
}

export interface LocalIdentityOptions {
  /** Persist under this folder (`.data/cognito`); temporary when absent. */
  dataDir?: string;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

export async function startLocalIdentity(options: LocalIdentityOptions = {}): Promise<LocalIdentity> {
  const emulator = await startCognitoEmulator(options);
  const admin = emulatorAdminClient(emulator.endpoint);
  const { userPoolId, clientId } = await ensureLocalUserPool(admin);
  const issuer = `${emulator.issuerDomain}/${userPoolId}`;
  const cognitoVerifier = createTokenVerifier({
    keys: createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)),
    issuer,
    audience: clientId,
    organiserMfa: cognitoOrganiserMfaCheck({ userPoolId, client: async () => admin }),
  });
  return {
    emulator,
    endpoint: emulator.endpoint,
    userPoolId,
    clientId,
    issuer,
    verifier(devIssuerVerifier) {
      return async (token, now) => {
        const claimedIssuer = issuerOf(token);
        if (claimedIssuer === issuer) return cognitoVerifier(token, now);
        if (devIssuerVerifier) return devIssuerVerifier(token, now);
        throw new PodiumError('UNAUTHENTICATED', 'the bearer token was not issued by this stack');
      };
    },
    async close() {
      admin.destroy();
      await emulator.close();
    },
  };
}

/** Reads `iss` unverified, only to pick the verifier that then checks everything. */
function issuerOf(token: string): string | undefined {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}
