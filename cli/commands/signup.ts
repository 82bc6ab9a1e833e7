import type { Command } from 'commander';
import { cliContext } from '../cli-context.ts';
import { callCognito, cognitoAppOf, cognitoEndpoint } from '../cognito.ts';
import { CliError, usageError } from '../output.ts';
import { SecretInput } from '../secret-input.ts';

interface SignupOptions {
  email?: string;
  code?: string;
  cognitoClientId?: string;
  cognitoRegion?: string;
  cognitoEndpoint?: string;
  passwordStdin?: boolean;
}

interface SignUpAnswer {
  UserConfirmed?: boolean;
  CodeDeliveryDetails?: { Destination?: string };
}

export function registerSignup(program: Command): void {
  program
    .command('signup')
    .description('create a Cognito account (a code is e-mailed to you), then confirm it with --code')
    .option('--email <email>', 'your email: it is your user name')
    .option('--code <code>', 'confirm the account with the code e-mailed to you')
    .option('--cognito-client-id <id>', 'Cognito app client id (kept in the profile)')
    .option('--cognito-region <region>', 'region of the Cognito user pool (kept in the profile)')
    .option('--cognito-endpoint <url>', "a Cognito endpoint other than AWS's, e.g. the local stack's emulator (kept in the profile)")
    .option('--password-stdin', 'read the password from stdin (else $PODIUM_PASSWORD, else a prompt)')
    .addHelpText(
      'after',
      `
Examples:
  podium signup --email ada@example.org --cognito-client-id 4abc123 --cognito-region eu-west-3
  podium signup --email ada@example.org --code 123456
  podium login --email ada@example.org`,
    )
    .action(async (options: SignupOptions, command: Command) => {
      const cli = await cliContext(command);
      const email = options.email ?? cli.profile.email;
      if (!email) throw usageError('--email is required', 'podium signup --email you@example.org');
      const app = cognitoAppOf(options, cli.profile);
      if (!app) throw usageError('--cognito-client-id is required (the UserPoolClientId output of the platform stack)');
      cognitoEndpoint(app);
      await cli.saveProfile({ api: cli.apiUrl, email, cognitoClientId: app.clientId, cognitoRegion: app.region, cognitoEndpoint: app.endpoint });

      if (options.code) {
        await callCognito(app, 'ConfirmSignUp', { ClientId: app.clientId, Username: email, ConfirmationCode: options.code.trim() }).catch((error: unknown) => {
          if (error instanceof CliError && error.code === 'CodeMismatchException')
            throw new CliError('CODE_INVALID', error.message, { hint: 'use the latest code e-mailed to you' });
          if (error instanceof CliError && error.code === 'ExpiredCodeException')
            throw new CliError('CODE_EXPIRED', error.message, { hint: 'sign up again to get a new code' });
          throw error;
        });
        cli.out.result({ email, confirmed: true }, () => cli.out.line(`${email} is confirmed. Next: podium login --email ${email}`));
        return;
      }

      const password = await new SecretInput(Boolean(options.passwordStdin)).next('Choose a password: ', 'PODIUM_PASSWORD');
      const answer = await callCognito<SignUpAnswer>(app, 'SignUp', {
        ClientId: app.clientId,
        Username: email,
        Password: password,
        UserAttributes: [{ Name: 'email', Value: email }],
      }).catch((error: unknown) => {
        if (error instanceof CliError && error.code === 'UsernameExistsException')
          throw new CliError('ACCOUNT_EXISTS', error.message, { hint: `log in with \`podium login --email ${email}\`` });
        if (error instanceof CliError && error.code === 'InvalidPasswordException') {
          throw new CliError('PASSWORD_INVALID', error.message, { hint: 'at least 12 characters, with upper and lower case, a digit and a symbol' });
        }
        throw error;
      });
      cli.out.result({ email, confirmed: Boolean(answer.UserConfirmed), codeSentTo: answer.CodeDeliveryDetails?.Destination }, () => {
        cli.out.line(`A confirmation code was sent to ${answer.CodeDeliveryDetails?.Destination ?? email}.`);
        cli.out.line(`Next: podium signup --email ${email} --code <code>`);
      });
    });
}
