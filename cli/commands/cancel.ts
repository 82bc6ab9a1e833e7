import type { Command } from 'commander';
import { cliContext } from '../cli-context.ts';

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
      const params = { params: { path: { submissionId: id } } };
      const submission = await cli.api.read(
        admin ? cli.api.user.POST('/admin/submissions/{submissionId}/cancel', params) : cli.api.user.POST('/submissions/{submissionId}/cancel', params),
      );
      cli.out.result(submission, () => cli.out.line(`✓ Submission ${id} is ${submission.status ?? 'CANCELLED'}.`));
    });
}
