import type { Command } from 'commander';
import { cliContext, type CliContext } from '../cli-context.ts';
import { CliError, EXIT, usageError } from '../output.ts';
import { ask, readAllStdin } from '../prompt.ts';
import type { Profile } from '../profiles.ts';

interface LoginOptions {
  email?: string;
  role: string;
  cognitoClientId?: string;
  cognitoRegion?: string;
  passwordStdin?: boolean;
}

interface Session {
  token: string;
  userId: string;
  expiresAt: string;
  role: 'competitor' | 'organiser';
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('log in and keep the token in the profile: the dev issuer locally, Cognito on AWS')
    .option('--email <email>', 'your account email')
    .option('--role <role>', 'local dev issuer only: competitor or organiser', 'competitor')
    .option('--cognito-client-id <id>', 'Cognito app client id of a deployed Podium (kept in the profile)')
    .option('--cognito-region <region>', 'region of the Cognito user pool (kept in the profile)', undefined)
    .option('--password-stdin', 'Cognito: read the password from stdin (else $PODIUM_PASSWORD, else a prompt)')
    .addHelpText(
      'after',
      `
Examples:
  podium login --email ada@example.org                       # local stack (npm start)
  podium login --email org@example.org --role organiser
  podium --profile prod --api https://api.example.org login --email ada@example.org \\
      --cognito-client-id 4abc123 --cognito-region eu-west-3 --password-stdin < password.txt`,
    )
    .action(async (options: LoginOptions, command: Command) => {
      const cli = await cliContext(command);
      const email = options.email ?? cli.profile.email;
      if (!email) throw usageError('--email is required', 'podium login --email you@example.org');
      const clientId = options.cognitoClientId ?? cli.profile.cognitoClientId;
      let session: Session;
      let changes: Partial<Profile> = {};
      if (clientId) {
        const region = options.cognitoRegion ?? cli.profile.cognitoRegion ?? process.env.AWS_REGION;
        if (!region) throw usageError('--cognito-region is required with a Cognito app client');
        session = await cognitoLogin(clientId, region, email, await password(options));
        changes = { cognitoClientId: clientId, cognitoRegion: region };
      } else {
        if (options.role !== 'competitor' && options.role !== 'organiser') throw usageError(`--role must be competitor or organiser, got "${options.role}"`);
        session = await devLogin(cli, email, options.role);
      }
      await cli.saveProfile({ ...changes, api: cli.apiUrl, email, token: session.token, userId: session.userId, expiresAt: session.expiresAt, role: session.role });
      cli.out.result({ api: cli.apiUrl, profile: cli.profileName, email, userId: session.userId, role: session.role, expiresAt: session.expiresAt }, () => {
        cli.out.line(`Logged in to ${cli.apiUrl} as ${email} (${session.role}), profile "${cli.profileName}".`);
        cli.out.line(`Token valid until ${session.expiresAt}.`);
      });
    });
}

async function devLogin(cli: CliContext, email: string, role: 'competitor' | 'organiser'): Promise<Session> {
  try {
    const result = await cli.api.post<{ token: string; userId: string; expiresAt: string }>('/dev/login', { email, role }, { auth: false });
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

async function password(options: LoginOptions): Promise<string> {
  if (options.passwordStdin) return (await readAllStdin()).replace(/\r?\n$/, '');
  if (process.env.PODIUM_PASSWORD) return process.env.PODIUM_PASSWORD;
  return ask('Password: ', { hidden: true, nonInteractiveHint: 'pass --password-stdin or set PODIUM_PASSWORD' });
}

/**
 * Cognito's USER_PASSWORD_AUTH is one unsigned JSON call, so no SDK is needed. The ID token
 * carries `email` and `cognito:groups`, which is what the API verifies.
 */
async function cognitoLogin(clientId: string, region: string, email: string, secret: string): Promise<Session> {
  const endpoint = process.env.PODIUM_COGNITO_ENDPOINT ?? `https://cognito-idp.${region}.amazonaws.com/`;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: email, PASSWORD: secret } }),
    });
  } catch (error) {
    throw new CliError('COGNITO_UNREACHABLE', `cannot reach Cognito at ${endpoint} (${(error as Error).message})`, { exitCode: EXIT.unreachable });
  }
  const body = (await response.json().catch(() => ({}))) as {
    __type?: string;
    message?: string;
    ChallengeName?: string;
    AuthenticationResult?: { IdToken?: string; ExpiresIn?: number };
  };
  if (!response.ok) {
    const type = (body.__type ?? `HTTP_${response.status}`).split('#').pop()!;
    throw new CliError(type === 'NotAuthorizedException' ? 'LOGIN_FAILED' : type, `Cognito refused the login: ${body.message ?? response.statusText}`);
  }
  if (body.ChallengeName) {
    throw new CliError('LOGIN_CHALLENGE', `Cognito asks for ${body.ChallengeName} (e.g. a new password) before this account can log in`, {
      hint: 'finish the sign-up in the hosted UI once, then run `podium login` again',
    });
  }
  const token = body.AuthenticationResult?.IdToken;
  if (!token) throw new CliError('LOGIN_FAILED', 'Cognito answered without an ID token');
  const claims = decodeClaims(token);
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as string[]) : [];
  const expiresIn = body.AuthenticationResult?.ExpiresIn ?? 3600;
  return {
    token,
    userId: String(claims.sub ?? email),
    expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
    role: groups.includes('organisers') ? 'organiser' : 'competitor',
  };
}

/** Reads a JWT's claims without verifying it: the API verifies; the CLI only shows who you are. */
function decodeClaims(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
