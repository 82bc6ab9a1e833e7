/** The caller of a request, as proven by a verified token. Never built from a request body. */
export interface Principal {
  /** The token's `sub`: stable for the life of the account. */
  userId: string;
  /** Lower-cased email from the token. */
  email: string;
  /** Member of the `organisers` group, signed in with TOTP where the issuer requires it (Cognito). */
  organiser: boolean;
  /** In the `organisers` group but without TOTP enabled: organiser routes answer MFA_REQUIRED. */
  organiserWithoutMfa?: boolean;
  /** Shown as a solo team's name; never the email. */
  displayName?: string;
}

export const ORGANISERS_GROUP = 'organisers';
