import { CliError, EXIT } from './output.ts';

/**
 * Cognito's user-pool API as a public app client calls it: unsigned JSON over HTTPS, one target
 * per call, so no SDK is needed. The same code talks to AWS and to the local stack's emulator.
 */
export interface CognitoApp {
  clientId: string;
  /** Region of the user pool; names the AWS endpoint. */
  region?: string;
  /** Another endpoint (the local stack's emulator); else $PODIUM_COGNITO_ENDPOINT, else AWS's. */
  endpoint?: string;
}

/** What Cognito answers to InitiateAuth and RespondToAuthChallenge. */
export interface AuthAnswer {
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters?: Record<string, string>;
  AuthenticationResult?: { IdToken?: string; AccessToken?: string; RefreshToken?: string; ExpiresIn?: number };
}

/** The login the CLI keeps: the ID token is the API's bearer token. */
export interface CognitoSession {
  token: string;
  accessToken?: string;
  /** Absent when refreshed: Cognito keeps the refresh token it issued at sign-in. */
  refreshToken?: string;
  expiresAt: string;
  userId: string;
  role: 'competitor' | 'organiser';
}

export function cognitoEndpoint(app: CognitoApp): string {
  const endpoint = app.endpoint ?? process.env.PODIUM_COGNITO_ENDPOINT;
  if (endpoint) return endpoint;
  if (!app.region) throw new CliError('USAGE', '--cognito-region is required with a Cognito app client', { exitCode: EXIT.usage });
  return `https://cognito-idp.${app.region}.amazonaws.com/`;
}

/** One call; a refusal becomes a CliError whose code is Cognito's exception name (NotAuthorizedException, …). */
export async function callCognito<T>(app: CognitoApp, target: string, body: Record<string, unknown>): Promise<T> {
  const endpoint = cognitoEndpoint(app);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError('COGNITO_UNREACHABLE', `cannot reach Cognito at ${endpoint} (${(error as Error).message})`, { exitCode: EXIT.unreachable });
  }
  const answer = (await response.json().catch(() => ({}))) as T & { __type?: string; message?: string };
  if (!response.ok) {
    const type = (answer.__type ?? `HTTP_${response.status}`).split('#').pop()!;
    throw new CliError(type, `Cognito refused ${target}: ${answer.message ?? response.statusText}`);
  }
  return answer;
}

/** The session in a successful answer; the role comes from the `cognito:groups` claim. */
export function sessionOf(answer: AuthAnswer, fallbackUserId: string): CognitoSession {
  const result = answer.AuthenticationResult;
  if (!result?.IdToken) throw new CliError('LOGIN_FAILED', 'Cognito answered without an ID token');
  const claims = decodeClaims(result.IdToken);
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as string[]) : [];
  // The token's own expiry, not "now + ExpiresIn": Cognito leaves ExpiresIn out of some answers.
  const expiresAtSeconds = typeof claims.exp === 'number' ? claims.exp : Math.floor(Date.now() / 1000) + (result.ExpiresIn ?? 3600);
  return {
    token: result.IdToken,
    ...(result.AccessToken ? { accessToken: result.AccessToken } : {}),
    ...(result.RefreshToken ? { refreshToken: result.RefreshToken } : {}),
    expiresAt: new Date(expiresAtSeconds * 1000).toISOString(),
    userId: String(claims.sub ?? fallbackUserId),
    role: groups.includes('organisers') ? 'organiser' : 'competitor',
  };
}

/** New ID and access tokens from the refresh token (REFRESH_TOKEN_AUTH); the refresh token itself stays. */
export async function refreshSession(app: CognitoApp, refreshToken: string, fallbackUserId: string): Promise<CognitoSession> {
  try {
    const answer = await callCognito<AuthAnswer>(app, 'InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: app.clientId,
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    });
    return sessionOf(answer, fallbackUserId);
  } catch (error) {
    if (error instanceof CliError && error.code === 'NotAuthorizedException') {
      throw new CliError('LOGIN_EXPIRED', `your login can no longer be renewed (${error.message})`, { hint: 'run `podium login` again' });
    }
    throw error;
  }
}

/** Reads a JWT's claims without verifying it: the API verifies; the CLI only shows who you are and when it expires. */
export function decodeClaims(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The app client from the command's flags, else the profile's. */
export function cognitoAppOf(
  options: { cognitoClientId?: string; cognitoRegion?: string; cognitoEndpoint?: string },
  profile: { cognitoClientId?: string; cognitoRegion?: string; cognitoEndpoint?: string },
): CognitoApp | undefined {
  const clientId = options.cognitoClientId ?? profile.cognitoClientId;
  if (!clientId) return undefined;
  return {
    clientId,
    region: options.cognitoRegion ?? profile.cognitoRegion ?? process.env.AWS_REGION,
    endpoint: options.cognitoEndpoint ?? profile.cognitoEndpoint,
  };
}
