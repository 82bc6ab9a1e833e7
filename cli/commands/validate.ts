import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { createOutput, CliError, usageError } from '../output.ts';
import type { GlobalOptions } from '../cli-context.ts';
import { loadChallengeForCli } from '../challenge-files.ts';

interface ValidateOptions {
  data?: string;
  predictions?: string;
  phase?: string;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a challenge definition, its data folder, and optionally a sample predictions file')
    .argument('<dir>', 'challenge folder holding challenge.yaml')
    .option('--data <dataRoot>', 'data root with one folder per dataset id (default: <dir>/data when present)')
    .option('--predictions <csv>', "a predictions file to check against the submission format and the phase's smoke ids")
    .option('--phase <id>', 'phase whose smoke dataset gives the expected ids (default: the first phase)')
    .addHelpText(
      'after',
      `
With a scoring program (metric kind program), runs it as the scoring job does on the smoke
dataset's labels.csv, against --predictions or else the smoke submission_format.csv.

Examples:
  podium validate my-challenge
  podium validate examples/tissuenet --data .data/generated/tissuenet
  podium validate my-challenge --predictions my-challenge/baseline/submission.csv --phase main`,
    )
    .action(async (dir: string, options: ValidateOptions, command: Command) => {
      const out = createOutput(Boolean(command.optsWithGlobals<GlobalOptions>().json));
      const challenge = await loadChallengeForCli(dir);
      const dataRoot = options.data ?? ((await isDirectory(join(dir, 'data'))) ? join(dir, 'data') : undefined);
      if (options.data && !(await isDirectory(options.data))) throw usageError(`--data ${options.data} is not a folder`);
      if (dataRoot) {
        const { checkDataRoot } = await import('#shared/datasets/upload-datasets.ts');
        try {
          await checkDataRoot(challenge, dataRoot);
        } catch (error) {
          const problems = (error as { details?: { problems?: string[] } }).details?.problems;
          if (!problems) throw error;
          throw new CliError('DATA_INVALID', `data in ${dataRoot} does not match ${dir}/challenge.yaml:\n  ${problems.join('\n  ')}`, {
            details: { problems },
          });
        }
      }
      const predictions = options.predictions ? await checkPredictions(challenge, options, dataRoot) : undefined;
      const { checkScoringProgram } = await import('../program-check.ts');
      const program = dataRoot ? await checkScoringProgram(challenge, options.phase ?? challenge.phases[0]!.id, dataRoot, options.predictions) : undefined;
      const summary = {
        valid: true,
        challenge: challenge.id,
        title: challenge.title,
        rulesVersion: challenge.rulesVersion,
        phases: challenge.phases.map((phase) => phase.id),
        datasets: challenge.datasets.map((dataset) => `${dataset.id} (${dataset.kind})`),
        dataRoot: dataRoot ?? null,
        predictions,
        scoringProgram: program ?? null,
      };
      out.result(summary, () => {
        out.line(`✓ ${dir}/challenge.yaml: "${challenge.title}" (${challenge.id}), rules version ${challenge.rulesVersion}`);
        out.line(`  phases:   ${summary.phases.join(', ')}`);
        out.line(`  datasets: ${summary.datasets.join(', ')}`);
        if (dataRoot) out.line(`✓ data in ${dataRoot} has every dataset folder and required file`);
        else out.line(`  (no data checked: ${dir}/data does not exist; pass --data <dataRoot>)`);
        if (predictions) out.line(`✓ ${options.predictions}: ${predictions.rows} rows match the submission format and the smoke ids`);
        if (program) {
          const scores = Object.entries(program.scores).map(([name, each]) => `${name} ${each.overall.toFixed(challenge.scorePrecision)}`);
          const what = `${program.predictions} on the ${program.dataset} labels (${program.rows} rows)`;
          out.line(`✓ scoring program ${program.program} (sha256 ${program.sha256.slice(0, 12)}…) scored ${what}: ${scores.join(', ')}`);
        } else if (challenge.metric.kind === 'program') {
          out.line(`  (scoring program not run: it needs the smoke dataset's labels.csv under the data root)`);
        }
      });
    });
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function checkPredictions(challenge: Challenge, options: ValidateOptions, dataRoot: string | undefined): Promise<{ rows: number }> {
  const { validatePredictionsFile } = await import('../predictions-file.ts');
  const phaseId = options.phase ?? challenge.phases[0]!.id;
  return validatePredictionsFile(challenge, phaseId, options.predictions!, dataRoot);
}
