import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { requirePhase } from '#shared/challenge/challenge.ts';
import type { DatasetDefinition, Metric, PhaseDefinition, SubmissionFormat } from '#shared/challenge/definition-schema.ts';
import { challengeOption } from '../challenge-argument.ts';
import { phaseOrOpen } from '../open-phase.ts';
import { noteWhileWaiting } from '../waiting-note.ts';
import { cliContext } from '../cli-context.ts';
import { CliError, EXIT, shellWord, usageError } from '../output.ts';
import { prepareArchive } from '../archive-folder.ts';
import { loadChallengeForCli } from '../challenge-files.ts';
import { defaultDataDir } from './download.ts';
import type { LocalRunPhase } from '../local-run.ts';
import type { ScoringProgram } from '#shared/challenge/scoring-program.ts';
import { runtimeManifest, type RuntimeManifest } from '#shared/runtimes/runtime-manifest.ts';
import { defaultPython } from '#shared/sandbox/run-sandboxed.ts';
import type { SandboxRequest, SandboxResult } from '#shared/sandbox/run-sandboxed.ts';
import { hostPackageDrift } from '../host-package-drift.ts';

interface TestSubmissionOptions {
  phase?: string;
  challenge?: string;
  definition?: string;
  data?: string;
  out?: string;
  container?: boolean;
  image?: string;
}

interface ChallengeView {
  id: string;
  scorePrecision?: number;
  metric: Metric;
  submissionFormat: SubmissionFormat;
  datasets: Pick<DatasetDefinition, 'id' | 'kind' | 'splitColumn'>[];
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
    .option('--container', "run main.py in the phase's runtime image (podman or docker), with the platform's mounts, user, limits and no network")
    .option('--image <ref>', "with --container: this image instead of the phase runtime's")
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
  podium test-submission submission.zip --phase learning --data podium-data/tissuenet/smoke --json
  podium test-submission examples/tissuenet/submissions/pytorch-cnn --challenge tissuenet --phase learning --container

Without --container, main.py runs with this machine's Python, and the command warns about each
package that differs from the phase's runtime (\`podium runtime\` lists them).`,
    )
    .action(async (source: string, options: TestSubmissionOptions, command: Command) => {
      const cli = await cliContext(command);
      let challenge: ChallengeView;
      if (options.definition) {
        if (options.challenge) throw usageError('give either --challenge or --definition, not both');
        challenge = await loadChallengeForCli(options.definition);
      } else {
        const summary = await cli.api.read(
          cli.api.anyone.GET('/challenges/{challengeId}', { params: { path: { challengeId: cli.challengeOr(options.challenge) } } }),
        );
        // The public view leaves out what only the platform's jobs read (inputsGiB sizes a job's disk on AWS).
        challenge = { ...summary, phases: summary.phases.map(({ runtime, ...phase }) => ({ ...phase, runtime: { ...runtime, inputsGiB: 0 } })) };
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
        throw new CliError('NO_DATA', `${inputsDir} has no submission_format.csv, so the expected ids are unknown`, {
          exitCode: EXIT.usage,
          hint: 'point --data at a smoke or test dataset folder',
        });
      }
      const dataset = challenge.datasets.find((d) => d.id === basename(dataDir)) ?? smoke;

      const manifest: RuntimeManifest = options.definition
        ? runtimeManifest(await loadChallengeForCli(options.definition), phase.id)
        : await cli.api.read(
            cli.api.anyone.GET('/challenges/{challengeId}/phases/{phaseId}/runtime', { params: { path: { challengeId: challenge.id, phaseId: phase.id } } }),
          );
      const sandbox = options.container || options.image ? await containerSandboxFor(manifest, options.image, cli.out) : undefined;
      if (!sandbox) {
        const python = phase.runtime.python ?? defaultPython();
        const drift = hostPackageDrift(python, manifest);
        if (drift.length > 0) {
          const shown = drift
            .slice(0, 8)
            .map((line) => `  ${line}`)
            .join('\n');
          const more = drift.length > 8 ? `\n  … and ${drift.length - 8} more (podium runtime ${challenge.id} --phase ${phase.id})` : '';
          cli.out.note(
            `warning: ${python} is not the phase's runtime ${manifest.image}; the platform may behave differently:\n` +
              `${shown}${more}\n  run it in the runtime's image with --container`,
          );
        }
      }

      const archive = await prepareArchive(source);
      if (archive.skipped.length) cli.out.note(`left out (symlinks are refused by the platform): ${archive.skipped.join(', ')}`);
      const spec: LocalRunPhase = {
        challengeId: challenge.id,
        phase,
        format: challenge.submissionFormat,
        metric: challenge.metric,
        ...('scoringProgram' in challenge && challenge.scoringProgram ? { scoringProgram: challenge.scoringProgram as ScoringProgram } : {}),
      };
      const where = sandbox ? ` in ${sandbox.image} (${sandbox.engine})` : '';
      cli.out.note(
        `Running ${source} on ${dataDir} as the platform would${where}: ${challenge.id}/${phase.id}, data at ${phase.runtime.dataMount} (read-only), ` +
          `${phase.runtime.timeLimitSeconds} s, ${phase.runtime.memoryMiB} MiB, no network.`,
      );
      let result;
      try {
        const { runSubmissionLocally } = await import('../local-run.ts');
        const stopNoting = noteWhileWaiting(cli.out, () => `main.py still running (limit ${phase.runtime.timeLimitSeconds} s)`);
        try {
          result = await runSubmissionLocally(
            spec,
            archive.path,
            { inputsDir, labelsPath: hasInputsFolder ? join(dataDir, 'labels.csv') : undefined, dataset },
            options.out,
            sandbox?.run,
          );
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
          const ranIn = sandbox ? `the ${sandbox.image} container` : `the ${result.sandbox} sandbox`;
          cli.out.line(`✓ main.py ran in ${((result.durationMs ?? 0) / 1000).toFixed(1)} s in ${ranIn}`);
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
          if (!options.definition)
            cli.out.line(
              `This submission would run on the platform. Submit it with: podium submit ${shellWord(source)} --challenge ${challenge.id} --phase ${phase.id}`,
            );
        } else {
          cli.out.line(`✗ ${result.failure!.reason}: ${result.failure!.message}`);
        }
      });
      if (result.status !== 'PASSED') process.exitCode = EXIT.submissionFailed;
    });
}

interface ContainerSandbox {
  engine: string;
  image: string;
  run: (request: SandboxRequest) => Promise<SandboxResult>;
}

/** The runtime image's sandbox; without podman or docker, undefined after a warning saying what to install. */
async function containerSandboxFor(
  manifest: RuntimeManifest,
  image: string | undefined,
  out: { note(text: string): void },
): Promise<ContainerSandbox | undefined> {
  const { containerSandbox, detectContainerEngine } = await import('../container-run.ts');
  const engine = detectContainerEngine();
  if (!engine) {
    out.note(
      'warning: --container needs podman or docker, and neither answers here: install one (Debian/Ubuntu: `sudo apt-get install podman`; ' +
        "macOS/Windows: Podman Desktop or Docker Desktop). Running on this machine's Python instead, which may differ from the runtime.",
    );
    return undefined;
  }
  const { runtimeImageFor } = await import('../runtime-image-choice.ts');
  const chosen = await runtimeImageFor(engine, manifest, image, (line) => out.note(line));
  return { engine, image: chosen, run: containerSandbox(engine, chosen) };
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

function defaultData(challengeId: string, smokeId: string | undefined, definition: string | undefined): string | undefined {
  if (!smokeId) return undefined;
  return definition ? join(definition, 'data', smokeId) : join(defaultDataDir(challengeId), smokeId);
}
