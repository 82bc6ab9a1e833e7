import type { Command } from 'commander';
import { cliContext, seg } from '../cli-context.ts';
import { EXIT, usageError } from '../output.ts';
import type { Submission } from '../api-types.ts';

interface RescoreResult {
  submissionId: string;
  rescored: boolean;
  message?: string;
  scores?: Submission['score'];
  previous?: Submission['score'];
}

interface Rebuild {
  written: number;
  removed: number;
  unchanged: number;
}

const scoreText = (score: Submission['score']) => (score?.overall !== undefined ? String(score.overall) : JSON.stringify(score ?? {}));

export function registerRescore(program: Command): void {
  program
    .command('rescore')
    .description('organisers: score one submission, or a whole phase, again with the current scorer (no new submissions, quotas untouched)')
    .argument('[submissionId]', 'one submission')
    .option('-c, --challenge <id>', 'with --phase: rescore every scored submission of the phase')
    .option('-p, --phase <id>', 'phase to rescore')
    .addHelpText('after', '\nThe leaderboard is rebuilt from the new scores.\n\nExamples:\n  podium rescore s-01HV6…\n  podium rescore --challenge tissuenet --phase learning')
    .action(async (submissionId: string | undefined, options: { challenge?: string; phase?: string }, command: Command) => {
      const cli = await cliContext(command);
      if (submissionId && (options.phase || options.challenge)) throw usageError('give either a submission id or --challenge and --phase, not both');
      if (submissionId) {
        const result = await cli.api.post<RescoreResult & { leaderboard?: Rebuild }>(`/admin/submissions/${seg(submissionId)}/rescore`, {});
        cli.out.result(result, () => {
          if (result.rescored) cli.out.line(`✓ ${submissionId} rescored: ${scoreText(result.scores)}${result.previous ? ` (was ${scoreText(result.previous)})` : ''}`);
          else cli.out.line(`✗ ${submissionId} not rescored: ${result.message ?? 'no reason given'}`);
        });
        if (!result.rescored) process.exitCode = EXIT.failed;
        return;
      }
      if (!options.challenge || !options.phase) throw usageError('pass a submission id, or --challenge <id> --phase <id> for a whole phase');
      const result = await cli.api.post<{ results: RescoreResult[]; leaderboard?: Rebuild }>(`/admin/challenges/${seg(options.challenge)}/phases/${seg(options.phase)}/rescore`, {});
      const failed = result.results.filter((r) => !r.rescored);
      cli.out.result(result, () => {
        cli.out.line(`✓ ${options.challenge}/${options.phase}: ${result.results.length - failed.length} submissions rescored, ${failed.length} not.`);
        for (const miss of failed) cli.out.line(`  ✗ ${miss.submissionId}: ${miss.message ?? 'no reason given'}`);
        if (result.leaderboard) cli.out.line(`  leaderboard rebuilt: ${result.leaderboard.written} entries written, ${result.leaderboard.removed} removed, ${result.leaderboard.unchanged} unchanged`);
      });
    });
}
