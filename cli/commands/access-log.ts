import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext, seg } from '../cli-context.ts';
import { formatTable } from '../output.ts';

interface AccessEntry {
  at?: string;
  userId?: string;
  email?: string;
  datasetId?: string;
  path?: string;
  [key: string]: unknown;
}

export function registerAccessLog(program: Command): void {
  program
    .command('access-log')
    .description('organisers: who was given which data file, and when (the audit trail health data needs)')
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .addHelpText('after', '\nExamples:\n  podium access-log tissuenet\n  podium export tissuenet access-log -o access.csv   # the same as CSV')
    .action(async (challengeArgument: string | undefined, options: { challenge?: string }, command: Command) => {
      const { challenge: givenChallenge } = challengeAndRest([challengeArgument], options.challenge);
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(givenChallenge);
      const body = await cli.api.get<{ entries?: AccessEntry[]; accessLog?: AccessEntry[] }>(`/admin/challenges/${seg(challengeId)}/access-log`);
      const entries = body.entries ?? body.accessLog ?? [];
      cli.out.result({ entries }, () => {
        if (entries.length === 0) {
          cli.out.line(`No data has been downloaded from ${challengeId} yet.`);
          return;
        }
        cli.out.line(formatTable(['AT', 'USER', 'EMAIL', 'DATASET', 'FILE'], entries.map((e) => [e.at, e.userId, e.email, e.datasetId, e.path])));
      });
    });
}
