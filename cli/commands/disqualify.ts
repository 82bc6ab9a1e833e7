import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { usageError } from '../output.ts';

export function registerDisqualify(program: Command): void {
  program
    .command('disqualify')
    .description('organisers: hide a team from the leaderboards (audited, reversible with --undo)')
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .argument('[teamId]', 'team id (see `podium submissions` or the leaderboard --json)')
    .option('--reason <text>', 'why; kept in the audit log')
    .option('--undo', 'reinstate the team')
    .addHelpText(
      'after',
      '\nExamples:\n  podium disqualify tissuenet t-01HV… --reason "shared accounts"\n  podium disqualify tissuenet t-01HV… --undo --reason "appeal ' +
        'upheld"',
    )
    .action(
      async (
        challengeArgument: string | undefined,
        secondArgument: string | undefined,
        options: { reason?: string; undo?: boolean } & { challenge?: string },
        command: Command,
      ) => {
        const {
          challenge: givenChallenge,
          rest: [teamId],
        } = challengeAndRest([challengeArgument, secondArgument], options.challenge);
        const cli = await cliContext(command);
        const challengeId = cli.challengeOr(givenChallenge);
        if (!teamId) throw usageError('which team? pass its id after the challenge', `podium disqualify ${challengeId} <teamId> --reason "why"`);
        if (!options.reason) throw usageError('--reason is required (it goes to the audit log)');
        const init = { params: { path: { challengeId, teamId } }, body: { reason: options.reason } };
        const path = '/admin/challenges/{challengeId}/teams/{teamId}/disqualify';
        const result = await cli.api.read(options.undo ? cli.api.user.DELETE(path, init) : cli.api.user.POST(path, init));
        cli.out.result(result ?? { teamId, disqualified: !options.undo }, () =>
          cli.out.line(
            options.undo
              ? `✓ Team ${teamId} reinstated on the ${challengeId} leaderboards.`
              : `✓ Team ${teamId} disqualified from ${challengeId}: ${options.reason}`,
          ),
        );
      },
    );
}
