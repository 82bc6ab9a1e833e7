import type { Command } from 'commander';
import { createOutput, EXIT } from '../output.ts';
import type { GlobalOptions } from '../cli-context.ts';

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('organisers: score a predictions file against labels offline, exactly as the scoring job does')
    .argument('<predictions>', 'predictions CSV (as a submission would write it)')
    .argument('<labels>', "labels CSV of the phase's dataset (with the split column, if any)")
    .requiredOption('--challenge <dir>', 'challenge folder holding challenge.yaml')
    .requiredOption('-p, --phase <id>', 'phase whose metric and dataset apply')
    .addHelpText(
      'after',
      `
Prints the overall score (and public/private where the dataset has a split column), or why the
predictions are invalid (exit 1).

Examples:
  podium score --challenge examples/tissuenet --phase learning submission.csv .data/generated/tissuenet/test/labels.csv
  podium score --challenge my-challenge --phase main preds.csv my-challenge/data/test/labels.csv --json`,
    )
    .action(async (predictionsPath: string, labelsPath: string, options: { challenge: string; phase: string }, command: Command) => {
      const out = createOutput(Boolean(command.optsWithGlobals<GlobalOptions>().json));
      const { offlineScore } = await import('#shared/scoring/offline-score.ts');
      const { text, ...result } = await offlineScore({ challengeDir: options.challenge, phaseId: options.phase, predictionsPath, labelsPath });
      out.result(result, () => out.line(text));
      if (!result.ok) process.exitCode = EXIT.failed;
    });
}
