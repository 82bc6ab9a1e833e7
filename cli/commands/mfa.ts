import type { Command } from 'commander';
import { cliContext, type CliContext } from '../cli-context.ts';
import { callCognito, cognitoAppOf, refreshSession, type CognitoApp } from '../cognito.ts';
import { CliError } from '../output.ts';
import { ask } from '../prompt.ts';

/**
 * TOTP enrolment (organisers must have it: the API answers MFA_REQUIRED on organiser routes
 * otherwise). Cognito's calls need an access token, which the CLI does not keep: it takes a fresh
 * one from the refresh token of the current login.
 */
export function registerMfa(program: Command): void {
  const mfa = program
    .command('mfa')
    .description('multi-factor authentication with an authenticator app (TOTP) on a Cognito login')
    .addHelpText('after', '\nExamples:\n  podium --profile organiser mfa setup\n  podium --profile organiser mfa verify 123456');
  mfa
    .command('setup')
    .description('show the secret to add to your authenticator app, then confirm it with one of its codes')
    .option('--code <code>', 'a code from the app, to confirm at once (else asked for, or run `podium mfa verify <code>`)')
    .addHelpText('after', '\nExamples:\n  podium --profile organiser mfa setup\n  podium --profile organiser mfa verify 123456')
    .action(async (options: { code?: string }, command: Command) => {
      const cli = await cliContext(command);
      const { app, accessToken } = await accessTokenOf(cli);
      const { SecretCode } = await callCognito<{ SecretCode: string }>(app, 'AssociateSoftwareToken', { AccessToken: accessToken });
      const label = encodeURIComponent(`Podium:${cli.profile.email ?? 'account'}`);
      const uri = `otpauth://totp/${label}?secret=${SecretCode}&issuer=Podium`;
      cli.out.line(`Add this secret to your authenticator app: ${SecretCode}`);
      cli.out.line(`(or open ${uri})`);
      const code =
        options.code ??
        (process.stdin.isTTY && !cli.out.json ? await ask('Code shown by the app: ', { nonInteractiveHint: 'run `podium mfa verify <code>`' }) : undefined);
      if (!code) {
        cli.out.result({ secret: SecretCode, otpauthUri: uri, enabled: false }, () => cli.out.line('Next: podium mfa verify <code>'));
        return;
      }
      await enable(app, accessToken, code);
      cli.out.result({ secret: SecretCode, otpauthUri: uri, enabled: true }, () => cli.out.line('TOTP is on: each login now asks for a code.'));
    });
  mfa
    .command('verify <code>')
    .description('confirm the secret from `podium mfa setup` with a code from the app, and turn TOTP on')
    .action(async (code: string, _options: unknown, command: Command) => {
      const cli = await cliContext(command);
      const { app, accessToken } = await accessTokenOf(cli);
      await enable(app, accessToken, code);
      cli.out.result({ enabled: true }, () => cli.out.line('TOTP is on: each login now asks for a code.'));
    });
}

async function accessTokenOf(cli: CliContext): Promise<{ app: CognitoApp; accessToken: string }> {
  const app = cognitoAppOf({}, cli.profile);
  if (!app || !cli.profile.refreshToken) {
    throw new CliError('NOT_LOGGED_IN', 'MFA needs a Cognito login in this profile', { hint: 'run `podium login --email … --cognito-client-id …` first' });
  }
  const session = await refreshSession(app, cli.profile.refreshToken, cli.profile.userId ?? '');
  if (!session.accessToken) throw new CliError('LOGIN_FAILED', 'Cognito answered without an access token');
  return { app, accessToken: session.accessToken };
}

async function enable(app: CognitoApp, accessToken: string, code: string): Promise<void> {
  await callCognito(app, 'VerifySoftwareToken', { AccessToken: accessToken, UserCode: code.trim(), FriendlyDeviceName: 'podium' }).catch((error: unknown) => {
    if (error instanceof CliError && error.code === 'CodeMismatchException') {
      throw new CliError('MFA_CODE_INVALID', error.message, { hint: 'use the current code of your authenticator app (codes change every 30 seconds)' });
    }
    throw error;
  });
  await callCognito(app, 'SetUserMFAPreference', { AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
}
