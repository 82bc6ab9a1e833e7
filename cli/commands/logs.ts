import type { Command } from 'commander';
import { cliContext, seg } from '../cli-context.ts';

interface RunLog {
  policy?: string;
  lines: string[];
  truncated?: boolean;
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("a submission's run log, as the phase's log policy allows (organisers: --admin for the full log)")
    .argument('<id>', 'submission id')
    .option('--admin', 'organisers: the full log of any submission')
    .addHelpText('after', '\nExamples:\n  podium logs s-01HV6…\n  podium logs s-01HV6… --admin')
    .action(async (id: string, options: { admin?: boolean }, command: Command) => {
      const cli = await cliContext(command);
      const log = await cli.api.get<RunLog>(options.admin ? `/admin/submissions/${seg(id)}/logs` : `/submissions/${seg(id)}/logs`);
      cli.out.result(log, () => {
        if (log.policy === 'none' && log.lines.length === 0) {
          cli.out.line('(this phase shows no logs from hidden-data runs; use `podium test-submission` or `podium submit --smoke` for full logs)');
          return;
        }
        if (log.truncated) cli.out.line(log.policy === 'tail' ? '(last lines only, by the phase\'s log policy)' : '(log truncated at the size cap)');
        for (const line of log.lines) cli.out.line(line);
      });
    });
}
