import type { Command } from 'commander';
import { cliContext } from '../cli-context.ts';
import { formatTable } from '../output.ts';

export function registerChallenges(program: Command): void {
  program
    .command('challenges')
    .description('list the challenges on the platform, with their phases and when they are open')
    .addHelpText('after', '\nExamples:\n  podium challenges\n  podium challenges --json | jq -r ".challenges[].id"')
    .action(async (_options: unknown, command: Command) => {
      const cli = await cliContext(command);
      const { challenges } = await cli.api.read(cli.api.anyone.GET('/challenges'));
      cli.out.result({ challenges }, () => {
        if (challenges.length === 0) {
          cli.out.line('No challenges yet. Organisers add one with `podium upload-data <dir>`.');
          return;
        }
        const now = Date.now();
        const rows = challenges.flatMap((challenge) =>
          challenge.phases.map((phase, index) => {
            const state = now < Date.parse(phase.opens) ? 'opens ' + phase.opens : now < Date.parse(phase.closes) ? 'open until ' + phase.closes : 'closed';
            return [index === 0 ? challenge.id : '', index === 0 ? challenge.title : '', phase.id, state];
          }),
        );
        cli.out.line(formatTable(['CHALLENGE', 'TITLE', 'PHASE', 'STATUS'], rows));
      });
    });
}
