import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { CliError, usageError } from '../output.ts';
import { ask } from '../prompt.ts';

export function registerJoin(program: Command): void {
  program
    .command('join')
    .description("show a challenge's rules and accept them (registers you; makes it your default challenge)")
    .argument('[challenge]', 'challenge id (see `podium challenges`) (or -c <id>)')
    .addOption(challengeOption())
    .option('-y, --yes', 'accept the rules without asking (you still get them printed)')
    .addHelpText('after', '\nExamples:\n  podium join tissuenet\n  podium join tissuenet --yes     # scripts and CI')
    .action(async (challengeArgument: string | undefined, options: { yes?: boolean } & { challenge?: string }, command: Command) => {
      const { challenge: givenChallenge } = challengeAndRest([challengeArgument], options.challenge);
      const cli = await cliContext(command);
      if (!givenChallenge) throw usageError('which challenge? pass its id', 'see `podium challenges`, then `podium join <id>`');
      const challengeId = givenChallenge;
      const rules = await cli.api.read(cli.api.anyone.GET('/challenges/{challengeId}/rules', { params: { path: { challengeId } } }));
      cli.out.line(rules.markdown.trimEnd());
      cli.out.line();
      cli.out.line(`(rules version ${rules.version})`);
      if (!options.yes) {
        if (cli.out.json) throw usageError('--json needs --yes to accept the rules', `podium join ${challengeId} --yes --json`);
        const answer = await ask('Do you accept these rules? [y/N] ', { nonInteractiveHint: `read them, then run: podium join ${challengeId} --yes` });
        if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('RULES_DECLINED', 'rules not accepted; you are not registered');
      }
      const registration = await cli.api.read(
        cli.api.user.POST('/challenges/{challengeId}/registration', { params: { path: { challengeId } }, body: { rulesVersion: rules.version } }),
      );
      await cli.saveProfile({ challenge: challengeId });
      cli.out.result({ challenge: challengeId, ...registration }, () => {
        if (registration.status === 'approved') {
          cli.out.line(`✓ You accepted the rules of ${challengeId} and are registered.`);
          cli.out.line(`Next: podium download ${challengeId}`);
        } else {
          cli.out.line(`You accepted the rules of ${challengeId}; an organiser must approve your registration before you can download or submit.`);
        }
      });
    });
}
