import type { Command } from 'commander';
import { cliContext } from '../cli-context.ts';

export function registerWhoami(program: Command): void {
  program
    .command('whoami')
    .description('who the API says you are, with the profile and API in use')
    .addHelpText('after', '\nExamples:\n  podium whoami\n  podium --profile organiser whoami --json')
    .action(async (_options: unknown, command: Command) => {
      const cli = await cliContext(command);
      const me = await cli.api.read(cli.api.user.GET('/me'));
      cli.out.result({ ...me, api: cli.apiUrl, profile: cli.profileName, expiresAt: cli.profile.expiresAt, defaultChallenge: cli.profile.challenge }, () => {
        cli.out.line(`${me.email} (${me.organiser ? 'organiser' : 'competitor'}), user ${me.userId}`);
        cli.out.line(`API ${cli.apiUrl}, profile "${cli.profileName}", token valid until ${cli.profile.expiresAt ?? 'unknown'}`);
        if (cli.profile.challenge) cli.out.line(`default challenge: ${cli.profile.challenge}`);
      });
    });
}
