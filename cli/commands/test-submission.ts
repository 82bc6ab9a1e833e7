import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { requirePhase } from '#shared/challenge/challenge.ts';
import type { DatasetDefinition, Metric, PhaseDefinition, SubmissionFormat } from '#shared/challenge/definition-schema.ts';
import { challengeOption } from '../challenge-argument.ts';
import { phaseOrOpen } from '../open-phase.ts';
import { noteWhileWaiting } from '../waiting-note.ts';
import { cliContext, seg } from '../cli-context.ts';
import { CliError, EXIT, shellWord, usageError } from '../output.ts';
import { prepareArchive } from '../archive-folder.ts';
import { loadChallengeForCli } from '../challenge-files.ts';
import { defaultDataDir } from './download.ts';
import type { LocalRunPhase } from '../local-run.ts';
import type { ScoringProgram } from '#shared/challenge/scoring-program.ts';

interface TestSubmissionOptions {
  phase?: string;
  challenge?: string;
  definition?: string;
  data?: string;
  out?: string;
}

interface ChallengeView {
  id: string;
  scorePrecision?: number;
  metric: Metric;
  submissionFormat: SubmissionFormat;
  datasets: DatasetDefinition[];
  phases: (Pick<PhaseDefinition, 'id' | 'runtime'> & { smokeDataset?: string; opens?: string; closes?: string })[];
}

export function registerTestSubmission(program: Command): void {
  program
    .command('test-submission')
    .description("run a submission locally on the smoke data with the platform's runner, sandbox and format check, and print the whole log")
    .argument('<source>', 'folder with main.py at its top level, or a submission .zip')
    .option('-p, --phase <id>', 'phase whose runtime (data mount, limits, output file) to use (default: the only open phase)')
    .addOption(challengeOption('challenge on the platform (default: the one you last joined)'))
    .option('--definition <dir>', 'organisers: use a local challenge folder instead of the platform')
    .option('--data <dir>', 'data folder: a dataset folder holding inputs/ (and labels.csv), or the inputs themselves (default: the downloaded smoke data)')
    .option('-o, --out <csv>', 'keep the predictions file here')
    .addHelpText(
      'after',
      `
Like DrivenData's \`make test-submission\`: the same extraction, sandbox (no network, data
read-only at the phase's mount, time and memory limits) and predictions check as the platform.
When the data folder has a labels.csv the predictions are also scored (a smoke score says little).
Exits 0 when the run passes, 4 when it would fail on the platform.

Examples:
  podium download tissuenet smoke
  podium test-submission examples/tissuenet/baseline --challenge tissuenet --phase learning
  podium test-submission my-challenge/baseline --definition my-challenge --phase main --data my-challenge/data/smoke
  podium test-submission submission.zip --phase learning --data podium-data/tissuenet/smoke --json`,
    )
    .action(async (source: string, options: TestSubmissionOptions, command: Command) => {
      const cli = await cliContext(command);
      let challenge: ChallengeView;
      if (options.definition) {
        if (options.challenge) throw usageError('give either --challenge or --definition, not both');
        challenge = await loadChallengeForCli(options.definition);
      } else {
        challenge = await cli.api.get<ChallengeView>(`/challenges/${seg(cli.challengeOr(options.challenge))}`, { auth: false });
      }
      const phaseId = phaseOrOpen(challenge, options.phase, cli.out);
      const phase = requirePhase(challenge, phaseId);
      const smoke = challenge.datasets.find((d) => d.id === phase.smokeDataset) ?? challenge.datasets.find((d) => d.kind === 'smoke');

      const dataDir = options.data ?? defaultData(challenge.id, smoke?.id, options.definition);
      if (!dataDir || !(await isDirectory(dataDir))) {
        throw new CliError('NO_DATA', `no data to run on${dataDir ? `: ${dataDir} is not a folder` : ''}`, {
          exitCode: EXIT.usage,
          hint: smoke ? `download the smoke data with \`podium download ${challenge.id} ${smoke.id}\`, or pass --data <dir>` : 'pass --data <dir>',
        });
      }
      const hasInputsFolder = await isDirectory(join(dataDir, 'inputs'));
      const inputsDir = hasInputsFolder ? join(dataDir, 'inputs') : dataDir;
      if (!(await stat(join(inputsDir, 'submission_format.csv')).catch(() => undefined))) {
        throw new CliError('NO_DATA', `${inputsDir} has no submission_format.csv, so the expected ids are unknown`, { exitCode: EXIT.usage, hint: 'point --data at a smoke or test dataset folder' });
      }
      const dataset = challenge.datasets.find((d) => d.id === basename(dataDir)) ?? smoke;

      const archive = await prepareArchive(source);
      if (archive.skipped.length) cli.out.note(`left out (symlinks are refused by the platform): ${archive.skipped.join(', ')}`);
      const spec: LocalRunPhase = {
        challengeId: challenge.id,
        phase,
        format: challenge.submissionFormat,
        metric: challenge.metric,
        ...('scoringProgram' in challenge && challenge.scoringProgram ? { scoringProgram: challenge.scoringProgram as ScoringProgram } : {}),
      };
      cli.out.note(`Running ${source} on ${dataDir} as the platform would: ${challenge.id}/${phase.id}, data at ${phase.runtime.dataMount} (read-only), ` + `${phase.runtime.timeLimitSeconds} s, ${phase.runtime.memoryMiB} MiB, no network.`);
      let result;
      try {
        const { runSubmissionLocally } = await import('../local-run.ts');
        const stopNoting = noteWhileWaiting(cli.out, () => `main.py still running (limit ${phase.runtime.timeLimitSeconds} s)`);
        try {
          result = await runSubmissionLocally(spec, archive.path, { inputsDir, labelsPath: hasInputsFolder ? join(dataDir, 'labels.csv') : undefined, dataset }, options.out);
        } finally {
          stopNoting();
        }
      } catch (error) {
        if ((error as Error).name === 'SandboxUnavailableError') throw new CliError('SANDBOX_UNAVAILABLE', (error as Error).message);
        throw error;
      } finally {
        await archive.cleanup();
      }
      cli.out.result(result, () => {
        cli.out.line('----- log (stdout and stderr) -----');
        if (result.log.trim()) cli.out.line(result.log.trimEnd());
        cli.out.line('-----------------------------------');
        if (result.status === 'PASSED') {
          cli.out.line(`✓ main.py ran in ${((result.durationMs ?? 0) / 1000).toFixed(1)} s in the ${result.sandbox} sandbox`);
          cli.out.line(`✓ ${phase.runtime.outputFile}: ${result.rows} rows match the submission format${options.out ? ` (kept as ${options.out})` : ''}`);
          if (result.score) {
            const show = (value: number) => value.toFixed(challenge.scorePrecision ?? 4);
            const parts = [`overall: ${show(result.score.overall)}`];
            if (result.score.public !== undefined) parts.push(`public: ${show(result.score.public)}`);
            if (result.score.private !== undefined) parts.push(`private: ${show(result.score.private)}`);
            const metric = challenge.metric.kind === 'program' ? challenge.metric.score : challenge.metric.kind;
            cli.out.line(`  ${metric} on these ${result.score.rows} rows, ${parts.join(', ')}`);
          } else if (result.scoreSkipped) {
            cli.out.line(`  (not scored: ${result.scoreSkipped})`);
          }
          if (!options.definition) cli.out.line(`This submission would run on the platform. Submit it with: podium submit ${shellWord(source)} --challenge ${challenge.id} --phase ${phase.id}`);
        } else {
          cli.out.line(`✗ ${result.failure!.reason}: ${result.failure!.message}`);
        }
      });
      if (result.status !== 'PASSED') process.exitCode = EXIT.submissionFailed;
    });
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

function defaultData(challengeId: string, smokeId: string | undefined, definition: string | undefined): string | undefined {
  if (!smokeId) return undefined;
  return definition ? join(definition, 'data', smokeId) : join(defaultDataDir(challengeId), smokeId);
}
