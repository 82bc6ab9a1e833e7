import type { Command } from 'commander';
import { cliContext, seg } from '../cli-context.ts';
import type { Submission } from '../api-types.ts';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('cancel a queued or running submission (yours; organisers: any, with --admin)')
    .argument('<id>', 'submission id')
    .option('--admin', "organisers: cancel any team's submission")
    .addHelpText('after', '\nExamples:\n  podium cancel s-01HV6…\n  podium cancel s-01HV6… --admin')
    .action(async (id: string, options: { admin?: boolean }, command: Command) => {
      const cli = await cliContext(command);
      const admin = options.admin ?? false;
      const submission = await cli.api.post<Submission>(admin ? `/admin/submissions/${seg(id)}/cancel` : `/submissions/${seg(id)}/cancel`, {});
      cli.out.result(submission, () => cli.out.line(`✓ Submission ${id} is ${submission.status ?? 'CANCELLED'}.`));
    });
}
