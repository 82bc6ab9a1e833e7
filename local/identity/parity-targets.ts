import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

/**
 * Where cognito-local 5.3.0 answers differently from Cognito on a flow Podium uses, the target is
 * wrapped here so that it answers as Cognito does. Each wrapper speaks the same JSON protocol and
 * calls cognito-local's own target for the rest; none adds a flow cognito-local lacks.
 *
 * 1. InitiateAuth (USER_PASSWORD_AUTH): cognito-local returns NEW_PASSWORD_REQUIRED to anyone who
 *    names an admin-created user, without checking the temporary password, and reports a wrong
 *    password as InvalidPasswordException. Cognito checks it and answers NotAuthorizedException
 *    "Incorrect username or password." for an unknown user or a wrong password alike.
 * 2. RespondToAuthChallenge: cognito-local accepts any Session. Cognito accepts only the session
 *    it issued for that user's challenge, once.
 * 3. RespondToAuthChallenge: cognito-local does not record the refresh token it issues after a
 *    challenge (new password, TOTP), so REFRESH_TOKEN_AUTH with it fails. Cognito honours it.
 * 4. ConfirmSignUp: cognito-local leaves `email_verified` unset, so ID tokens say false. Cognito
 *    marks the address verified when the code it was sent is confirmed (email auto-verification).
 */
export type CognitoTarget = (ctx: unknown, request: Record<string, unknown>) => Promise<unknown>;
type Router = (target: string) => CognitoTarget;

interface StoredUser {
  Username: string;
  Password?: string;
  UserStatus?: string;
  Attributes?: { Name: string; Value?: string }[];
}
interface UserPool {
  options: { AutoVerifiedAttributes?: string[] };
  getUserByUsername(ctx: unknown, username: string): Promise<StoredUser | null>;
  saveUser(ctx: unknown, user: StoredUser): Promise<void>;
  storeRefreshToken(ctx: unknown, token: string, user: StoredUser): Promise<void>;
}
interface Services {
  cognito: { getUserPoolForClientId(ctx: unknown, clientId: string): Promise<UserPool> };
}
interface AuthAnswer {
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters?: { USER_ID_FOR_SRP?: string };
  AuthenticationResult?: { RefreshToken?: string };
}

const require = createRequire(import.meta.url);
const errors = require('cognito-local/lib/errors') as { CognitoError: new (code: string, message: string) => Error };
const cognitoError = (code: string, message: string) => new errors.CognitoError(code, message);
const incorrectPassword = () => cognitoError('NotAuthorizedException', 'Incorrect username or password.');

/** Cognito's challenge sessions expire after 3 minutes; so do these. */
const SESSION_LIFETIME_MS = 3 * 60_000;

export function parityTargets(services: Services, emulator: Router): Record<string, CognitoTarget> {
  const sessions = new Map<string, { username: string; challenge: string; expires: number }>();
  const issueSession = (answer: AuthAnswer, username: string): AuthAnswer => {
    if (!answer.ChallengeName) return answer;
    const session = randomUUID();
    sessions.set(session, { username, challenge: answer.ChallengeName, expires: Date.now() + SESSION_LIFETIME_MS });
    return { ...answer, Session: session };
  };

  return {
    async InitiateAuth(ctx, request) {
      if (request.AuthFlow !== 'USER_PASSWORD_AUTH') return emulator('InitiateAuth')(ctx, request);
      const parameters = (request.AuthParameters ?? {}) as { USERNAME?: string; PASSWORD?: string };
      const pool = await services.cognito.getUserPoolForClientId(ctx, String(request.ClientId));
      const user = parameters.USERNAME ? await pool.getUserByUsername(ctx, parameters.USERNAME) : null;
      if (!user || user.Password !== parameters.PASSWORD) throw incorrectPassword();
      return issueSession((await emulator('InitiateAuth')(ctx, request)) as AuthAnswer, user.Username);
    },

    async RespondToAuthChallenge(ctx, request) {
      const responses = (request.ChallengeResponses ?? {}) as { USERNAME?: string };
      const pool = await services.cognito.getUserPoolForClientId(ctx, String(request.ClientId));
      const user = responses.USERNAME ? await pool.getUserByUsername(ctx, responses.USERNAME) : null;
      const session = sessions.get(String(request.Session));
      if (!user || !session || session.expires < Date.now() || session.username !== user.Username || session.challenge !== request.ChallengeName) {
        throw cognitoError('NotAuthorizedException', 'Invalid session for the user.');
      }
      sessions.delete(String(request.Session));
      const answer = (await emulator('RespondToAuthChallenge')(ctx, request)) as AuthAnswer;
      const refreshToken = answer.AuthenticationResult?.RefreshToken;
      if (refreshToken) {
        const saved = await pool.getUserByUsername(ctx, user.Username);
        if (saved) await pool.storeRefreshToken(ctx, refreshToken, saved);
      }
      return issueSession(answer, user.Username);
    },

    async ConfirmSignUp(ctx, request) {
      const answer = await emulator('ConfirmSignUp')(ctx, request);
      const pool = await services.cognito.getUserPoolForClientId(ctx, String(request.ClientId));
      const user = await pool.getUserByUsername(ctx, String(request.Username));
      if (user && (pool.options.AutoVerifiedAttributes ?? []).includes('email')) {
        const attributes = (user.Attributes ?? []).filter((attribute) => attribute.Name !== 'email_verified');
        await pool.saveUser(ctx, { ...user, Attributes: [...attributes, { Name: 'email_verified', Value: 'true' }] });
      }
      return answer;
    },
  };
}
