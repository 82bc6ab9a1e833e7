import type { Command } from 'commander';
import { cliContext, seg } from '../cli-context.ts';
import { usageError } from '../output.ts';


export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description("organisers: publish a phase's final leaderboard (or --pause / --resume its submissions)")
    .argument('<challenge>', 'challenge id')
    .requiredOption('-p, --phase <id>', 'phase id')
    .option('--pause', 'pause new submissions instead')
    .option('--resume', 'resume submissions instead')
    .addHelpText('after', '\nExamples:\n  podium publish tissuenet --phase final\n  podium publish tissuenet --phase learning --pause')
    .action(async (challengeId: string, options: { phase: string; pause?: boolean; resume?: boolean }, command: Command) => {
      const cli = await cliContext(command);
      if (options.pause && options.resume) throw usageError('--pause and --resume cannot be combined');
      const action: 'publish' | 'pause' | 'resume' = options.pause ? 'pause' : options.resume ? 'resume' : 'publish';
      const result = await cli.api.post<Record<string, unknown>>(`/admin/challenges/${seg(challengeId)}/phases/${seg(options.phase)}/${action}`, {});
      const done = { publish: 'leaderboard published: everyone now sees the private scores', pause: 'submissions paused', resume: 'submissions resumed' }[action];
      cli.out.result(result ?? { challenge: challengeId, phase: options.phase, action }, () => cli.out.line(`✓ ${challengeId}/${options.phase}: ${done}.`));
    });
}
