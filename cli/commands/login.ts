import type { Command } from 'commander';
import { cliContext, type CliContext } from '../cli-context.ts';
import { callCognito, cognitoAppOf, cognitoEndpoint, sessionOf, type AuthAnswer, type CognitoApp } from '../cognito.ts';
import { CliError, usageError } from '../output.ts';
import { ask } from '../prompt.ts';
import type { Profile } from '../profiles.ts';
import { SecretInput } from '../secret-input.ts';

interface LoginOptions {
  email?: string;
  role: string;
  cognitoClientId?: string;
  cognitoRegion?: string;
  cognitoEndpoint?: string;
  passwordStdin?: boolean;
  mfaCode?: string;
}

interface Session {
  token: string;
  refreshToken?: string;
  userId: string;
  expiresAt: string;
  role: 'competitor' | 'organiser';
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('log in and keep the token in the profile: Cognito on AWS (and on the local stack with a client id), else the local dev issuer')
    .option('--email <email>', 'your account email')
    .option('--role <role>', 'local dev issuer only: competitor or organiser', 'competitor')
    .option('--cognito-client-id <id>', 'Cognito app client id of a deployed Podium (kept in the profile)')
    .option('--cognito-region <region>', 'region of the Cognito user pool (kept in the profile)', undefined)
    .option('--cognito-endpoint <url>', "a Cognito endpoint other than AWS's, e.g. the local stack's emulator (kept in the profile)")
    .option(
      '--password-stdin',
      'Cognito: read the password from stdin, and a new password on the next line if one is asked for (else $PODIUM_PASSWORD and ' +
        '$PODIUM_NEW_PASSWORD, else prompts)',
    )
    .option('--mfa-code <code>', 'Cognito: the 6-digit code of your authenticator app (else $PODIUM_MFA_CODE, else a prompt)')
    .addHelpText(
      'after',
      `
Examples:
  podium login --email ada@example.org                       # local stack (npm start): dev issuer
  podium login --email org@example.org --role organiser
  podium --profile prod --api https://api.example.org login --email ada@example.org \\
      --cognito-client-id 4abc123 --cognito-region eu-west-3 --password-stdin < password.txt

An account created by an administrator is asked for a new password at its first login; an account
with an authenticator app (organisers must have one: \`podium mfa setup\`) is asked for its code.
The login is renewed automatically for 30 days (Cognito's refresh token, kept in the profile).`,
    )
    .action(async (options: LoginOptions, command: Command) => {
      const cli = await cliContext(command);
      const email = options.email ?? cli.profile.email;
      if (!email) throw usageError('--email is required', 'podium login --email you@example.org');
      const app = cognitoAppOf(options, cli.profile);
      let session: Session;
      let changes: Partial<Profile> = {};
      if (app) {
        cognitoEndpoint(app); // refuses now, before any prompt, when neither a region nor an endpoint is known
        session = await cognitoLogin(cli, app, email, options);
        changes = { cognitoClientId: app.clientId, cognitoRegion: app.region, cognitoEndpoint: app.endpoint };
      } else {
        if (options.role !== 'competitor' && options.role !== 'organiser') throw usageError(`--role must be competitor or organiser, got "${options.role}"`);
        session = await devLogin(cli, email, options.role);
      }
      await cli.saveProfile({
        ...changes,
        api: cli.apiUrl,
        email,
        token: session.token,
        refreshToken: session.refreshToken,
        userId: session.userId,
        expiresAt: session.expiresAt,
        role: session.role,
      });
      cli.out.result(
        {
          api: cli.apiUrl,
          profile: cli.profileName,
          email,
          userId: session.userId,
          role: session.role,
          expiresAt: session.expiresAt,
          renewable: Boolean(session.refreshToken),
        },
        () => {
          cli.out.line(`Logged in to ${cli.apiUrl} as ${email} (${session.role}), profile "${cli.profileName}".`);
          cli.out.line(`Token valid until ${session.expiresAt}${session.refreshToken ? ', renewed automatically' : ''}.`);
        },
      );
    });
}

async function devLogin(cli: CliContext, email: string, role: 'competitor' | 'organiser'): Promise<Session> {
  try {
    const result = await cli.api.read(cli.api.anyone.POST('/dev/login', { body: { email, role } }));
    return { ...result, role };
  } catch (error) {
    if (error instanceof CliError && error.code === 'NOT_FOUND') {
      throw new CliError('DEV_LOGIN_UNAVAILABLE', `${cli.apiUrl} has no dev login (a deployed API uses Cognito)`, {
        hint: 'pass --cognito-client-id and --cognito-region (from the stack outputs)',
      });
    }
    throw error;
  }
}

/**
 * USER_PASSWORD_AUTH, then whatever Cognito asks before it hands out tokens: a new password for an
 * account an administrator created (NEW_PASSWORD_REQUIRED), the authenticator code for an account
 * with TOTP (SOFTWARE_TOKEN_MFA). The ID token carries `email` and `cognito:groups`, which is what
 * the API verifies.
 */
async function cognitoLogin(cli: CliContext, app: CognitoApp, email: string, options: LoginOptions): Promise<Session> {
  const secrets = new SecretInput(Boolean(options.passwordStdin));
  const password = await secrets.next('Password: ', 'PODIUM_PASSWORD');
  let answer = await cognitoStep(() =>
    callCognito<AuthAnswer>(app, 'InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: app.clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  for (let round = 0; answer.ChallengeName; round++) {
    if (round >= 3) throw new CliError('LOGIN_CHALLENGE', `Cognito keeps asking for ${answer.ChallengeName}`);
    const username = answer.ChallengeParameters?.USER_ID_FOR_SRP ?? email;
    let responses: Record<string, string>;
    if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
      cli.out.note('This account was created for you: choose your own password (at least 12 characters, with upper and lower case, a digit and a symbol).');
      responses = { USERNAME: username, NEW_PASSWORD: await secrets.next('New password: ', 'PODIUM_NEW_PASSWORD') };
    } else if (answer.ChallengeName === 'SOFTWARE_TOKEN_MFA') {
      const code =
        options.mfaCode ?? process.env.PODIUM_MFA_CODE ?? (await ask('Authenticator code: ', { nonInteractiveHint: 'pass --mfa-code or set PODIUM_MFA_CODE' }));
      responses = { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code.trim() };
    } else {
      throw new CliError('LOGIN_CHALLENGE', `Cognito asks for ${answer.ChallengeName}, which the CLI does not answer`, {
        hint: 'finish signing in once in the hosted UI, then run `podium login` again',
      });
    }
    const challenge = answer;
    answer = await cognitoStep(() =>
      callCognito<AuthAnswer>(app, 'RespondToAuthChallenge', {
        ClientId: app.clientId,
        ChallengeName: challenge.ChallengeName,
        Session: challenge.Session,
        ChallengeResponses: responses,
      }),
    );
  }
  return sessionOf(answer, email);
}

/** Cognito's refusals, as the codes and hints a person can act on. */
async function cognitoStep<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const refusals: Record<string, [string, string | undefined]> = {
      NotAuthorizedException: ['LOGIN_FAILED', undefined],
      UserNotConfirmedException: ['ACCOUNT_NOT_CONFIRMED', 'confirm it with the code e-mailed to you: `podium signup --email … --code <code>`'],
      PasswordResetRequiredException: ['PASSWORD_RESET_REQUIRED', 'reset your password in the hosted UI'],
      CodeMismatchException: ['MFA_CODE_INVALID', 'use the current code of your authenticator app (codes change every 30 seconds)'],
      InvalidPasswordException: ['NEW_PASSWORD_INVALID', 'at least 12 characters, with upper and lower case, a digit and a symbol'],
    };
    const refusal = refusals[error.code];
    if (!refusal) throw error;
    throw new CliError(refusal[0], error.message, { hint: refusal[1] ?? error.hint });
  }
}
