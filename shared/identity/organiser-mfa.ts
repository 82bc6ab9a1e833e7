import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

/**
 * Organisers must sign in with TOTP; competitors need not. Cognito has no per-group MFA setting,
 * so the pool offers TOTP (MFA optional) and the API asks Cognito whether an organiser's account
 * has TOTP enabled (AdminGetUser's UserMFASettingList): an account with TOTP enabled cannot sign in
 * with its password alone, so its tokens are proof of a second factor. ID tokens carry no `amr`
 * claim that would say so directly.
 *
 * @returns whether the Cognito user `username` (the `cognito:username` claim) has TOTP enabled.
 */
export type OrganiserMfaCheck = (username: string) => Promise<boolean>;

export interface CognitoMfaCheckOptions {
  userPoolId: string;
  /** Built on first use: only organisers' requests reach Cognito. */
  client: () => Promise<CognitoIdentityProviderClient>;
  /** A positive answer is kept this long per warm Lambda; a negative one never, so enrolling takes effect at once. */
  cacheMs?: number;
  now?: () => number;
}

const TOTP = 'SOFTWARE_TOKEN_MFA';

export function cognitoOrganiserMfaCheck(options: CognitoMfaCheckOptions): OrganiserMfaCheck {
  const cacheMs = options.cacheMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const enrolledUntil = new Map<string, number>();
  let client: Promise<CognitoIdentityProviderClient> | undefined;
  return async (username) => {
    if ((enrolledUntil.get(username) ?? 0) > now()) return true;
    const { AdminGetUserCommand } = await import('./cognito-admin.ts');
    client ??= options.client();
    const user = await (await client).send(new AdminGetUserCommand({ UserPoolId: options.userPoolId, Username: username }));
    const enrolled = (user.UserMFASettingList ?? []).includes(TOTP);
    if (enrolled) {
      if (enrolledUntil.size >= 10_000) enrolledUntil.clear();
      enrolledUntil.set(username, now() + cacheMs);
    }
    return enrolled;
  };
}

/** The pool id is the last path segment of a Cognito issuer (`https://cognito-idp.<region>.amazonaws.com/<poolId>`). */
export function userPoolIdOfIssuer(issuer: string): string {
  const id = new URL(issuer).pathname.replace(/^\/+|\/+$/g, '');
  if (!/^[\w-]+_[0-9A-Za-z]+$/.test(id)) throw new Error(`Invalid identity configuration: ${issuer} does not end with a Cognito user pool id`);
  return id;
}
