import type { Command } from 'commander';
import { cliContext } from '../cli-context.ts';

export function registerSelect(program: Command): void {
  program
    .command('select')
    .description('choose which of your scored submissions count on the private leaderboard (until the phase closes)')
    .argument('<submissionId>', 'one of your team’s SCORED submissions (see `podium submissions`)')
    .option('--clear', 'remove it from your selection instead')
    .addHelpText(
      'after',
      '\nThe private leaderboard ranks your team by the best private score among the submissions you\nselected; without a selection, among your best ' +
        'ones by public score (as many as the phase allows).\n\nExamples:\n  podium select s-01HV…\n  podium select --clear s-01HV…',
    )
    .action(async (submissionId: string, options: { clear?: boolean }, command: Command) => {
      const cli = await cliContext(command);
      const params = { params: { path: { submissionId } } };
      const selection = await cli.api.read(
        options.clear
          ? cli.api.user.DELETE('/submissions/{submissionId}/selection', params)
          : cli.api.user.POST('/submissions/{submissionId}/selection', params),
      );
      cli.out.result(selection, () => {
        cli.out.line(options.clear ? `✓ ${submissionId} no longer selected.` : `✓ ${submissionId} selected for the private leaderboard.`);
        const count = `${selection.selected.length} of ${selection.limit}`;
        cli.out.line(
          selection.selected.length > 0
            ? `Selected in ${selection.phaseId} (${count}): ${selection.selected.join(', ')}`
            : `Nothing selected in ${selection.phaseId}: your best ${selection.limit} by public score will count.`,
        );
        cli.out.line(`Selections are final when the phase closes (${selection.closes}).`);
      });
    });
}
