import type { Command } from 'commander';
import { cliContext } from '../cli-context.ts';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("a submission's run log: the full log of a smoke run; nothing of a run on hidden data (organisers: --admin, audit-logged)")
    .argument('<id>', 'submission id')
    .option('--admin', 'organisers: the full log of any submission')
    .addHelpText('after', '\nExamples:\n  podium logs s-01HV6…\n  podium logs s-01HV6… --admin')
    .action(async (id: string, options: { admin?: boolean }, command: Command) => {
      const cli = await cliContext(command);
      const params = { params: { path: { submissionId: id } } };
      const log = await cli.api.read(
        options.admin ? cli.api.user.GET('/admin/submissions/{submissionId}/logs', params) : cli.api.user.GET('/submissions/{submissionId}/logs', params),
      );
      cli.out.result(log, () => {
        if (log.visibility === 'hidden') {
          cli.out.line(`(${log.note ?? 'nothing a run on hidden data prints is shown to teams'})`);
          return;
        }
        for (const line of log.lines) cli.out.line(line);
      });
    });
}
