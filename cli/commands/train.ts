import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { folderFiles, zipFolderFiles } from '../archive-folder.ts';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import type { components } from '../../api-client/openapi.d.ts';
import { cliContext, type CliContext } from '../cli-context.ts';
import { phaseOnPlatform } from '../open-phase.ts';
import { CliError, EXIT, formatBytes, formatTable, usageError } from '../output.ts';
import { uploadByPost } from '../upload-archive.ts';

type TrainingJob = components['schemas']['TrainingJob'];
type Budget = components['schemas']['TrainingBudget'];

const ENDED: TrainingJob['status'][] = ['SUCCEEDED', 'FAILED', 'TIMEOUT', 'BUDGET_EXHAUSTED', 'CANCELLED'];
const phaseOption = ['-p, --phase <id>', 'phase id (default: the only open phase)'] as const;

const budgetLine = (budget: Budget) =>
  `${budget.remainingGpuHours} of ${budget.grantedGpuHours} GPU-hours left (${budget.usedPercent} % used, ≈ €${budget.usedCostEur.toFixed(2)}; ` +
  `${budget.reservedGpuHours} held by unfinished jobs)`;

async function challengeAndPhase(cli: CliContext, challenge: string | undefined, phase: string | undefined) {
  const challengeId = cli.challengeOr(challenge);
  return { challengeId, phaseId: await phaseOnPlatform(cli, challengeId, phase) };
}

/** `podium train <folder>`: zips the folder (train.py at its top), reserves budget, uploads, starts, and follows the job to its end. */
function registerTrain(program: Command): void {
  program
    .command('train')
    .description("train on the platform's compute: runs <folder>/train.py on the training data (at data/<dataset id>/), charged to your team's budget")
    .argument('<folder>', 'a folder with train.py at its top; what it writes to outputs/ is kept')
    .addOption(challengeOption())
    .option(...phaseOption)
    .option('--no-wait', 'return once the job is queued')
    .addHelpText('after', '\nExamples:\n  podium train examples/tissuenet/training -c tissuenet --phase learning\n  podium training-logs <id>')
    .action(async (folder: string, options: { challenge?: string; phase?: string; wait: boolean }, command: Command) => {
      const cli = await cliContext(command);
      const { challengeId, phaseId } = await challengeAndPhase(cli, options.challenge, options.phase);
      if (!(await stat(folder).catch(() => undefined))?.isDirectory()) throw usageError(`${folder} is not a folder`, 'pass the folder that holds train.py');
      const { files } = await folderFiles(folder);
      if (!files.includes('train.py'))
        throw new CliError('TRAIN_PY_MISSING', `${folder} has no train.py at its top`, { hint: 'the platform runs `python train.py`' });
      const archive = await zipFolderFiles(folder, files, '', 'train.zip');
      try {
        const created = await cli.api.read(
          cli.api.user.POST('/challenges/{challengeId}/phases/{phaseId}/training-jobs', {
            params: { path: { challengeId, phaseId } },
            body: { archiveBytes: archive.bytes },
          }),
        );
        const job = created.trainingJob;
        cli.out.note(`training job ${job.id}: time limit ${job.timeLimitSeconds} s${job.budgetLimited ? ' (cut to what is left of your budget)' : ''}`);
        await uploadByPost(created.upload, archive.path, archive.bytes, !cli.out.json);
        let current = await cli.api.read(
          cli.api.user.POST('/challenges/{challengeId}/training-jobs/{trainingJobId}/start', { params: { path: { challengeId, trainingJobId: job.id } } }),
        );
        if (options.wait) current = await follow(cli, challengeId, current);
        const budget = await cli.api.read(
          cli.api.user.GET('/challenges/{challengeId}/phases/{phaseId}/budget', { params: { path: { challengeId, phaseId } } }),
        );
        cli.out.result({ trainingJob: current, budget }, () => {
          cli.out.line(`${current.status}: ${current.message ?? ''}`.trim());
          for (const output of current.outputs) cli.out.line(`  outputs/${output.path}  ${formatBytes(output.bytes)}  sha256 ${output.sha256}`);
          cli.out.line(`budget: ${budgetLine(budget)}`);
          if (current.status === 'SUCCEEDED') cli.out.line(`log: podium training-logs ${current.id} -c ${challengeId}`);
        });
        if (options.wait && current.status !== 'SUCCEEDED') process.exitCode = EXIT.submissionFailed;
      } finally {
        await archive.cleanup();
      }
    });
}

/** Polls the job until it ends, printing each state it enters. */
async function follow(cli: CliContext, challengeId: string, job: TrainingJob): Promise<TrainingJob> {
  let last = '';
  for (let current = job; ;) {
    if (current.status !== last) cli.out.note(`  ${current.status}`);
    last = current.status;
    if (ENDED.includes(current.status)) return current;
    await sleep(1000);
    current = await cli.api.read(
      cli.api.user.GET('/challenges/{challengeId}/training-jobs/{trainingJobId}', { params: { path: { challengeId, trainingJobId: job.id } } }),
    );
  }
}

function registerTrainingJobs(program: Command): void {
  program
    .command('training-jobs')
    .description("your team's training jobs in a phase")
    .argument('[challenge]', 'challenge id (or -c <id>)')
    .addOption(challengeOption())
    .option(...phaseOption)
    .addHelpText('after', '\nExamples:\n  podium training-jobs tissuenet --phase learning\n  podium training-jobs --json')
    .action(async (challengeArgument: string | undefined, options: { challenge?: string; phase?: string }, command: Command) => {
      const cli = await cliContext(command);
      const { challenge } = challengeAndRest([challengeArgument], options.challenge);
      const { challengeId, phaseId } = await challengeAndPhase(cli, challenge, options.phase);
      const { trainingJobs } = await cli.api.read(
        cli.api.user.GET('/challenges/{challengeId}/phases/{phaseId}/training-jobs', { params: { path: { challengeId, phaseId } } }),
      );
      cli.out.result({ trainingJobs }, () =>
        cli.out.line(
          formatTable(
            ['id', 'status', 'created', 'run s', 'outputs'],
            trainingJobs.map((job) => [job.id, job.status, job.createdAt, job.runSeconds ?? '', job.outputs.length]),
            [false, false, false, true, true],
          ),
        ),
      );
    });
}

function registerTrainingLogs(program: Command): void {
  program
    .command('training-logs')
    .description("a training job's full log (the training data is yours to see)")
    .argument('<id>', 'training job id')
    .addOption(challengeOption())
    .option('-f, --follow', 'print new lines as train.py writes them, until the job ends')
    .addHelpText('after', '\nExamples:\n  podium training-logs t-1a2b… -c tissuenet\n  podium training-logs t-1a2b… --follow')
    .action(async (id: string, options: { challenge?: string; follow?: boolean }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const readLog = () =>
        cli.api.read(cli.api.user.GET('/challenges/{challengeId}/training-jobs/{trainingJobId}/log', { params: { path: { challengeId, trainingJobId: id } } }));
      if (options.follow && !cli.out.json) return followLog(cli, challengeId, id, readLog);
      const log = await readLog();
      cli.out.result(log, () => {
        for (const line of log.lines) cli.out.line(line);
        if (log.note) cli.out.note(log.note);
      });
    });
}

/**
 * Prints the log as it grows: the platform stores the log so far every few seconds while train.py
 * runs, so this polls it, printing the lines not printed yet, and stops after the job has ended.
 */
async function followLog(cli: CliContext, challengeId: string, id: string, readLog: () => Promise<{ lines: string[] }>): Promise<void> {
  let printed = 0;
  for (;;) {
    const job = await cli.api.read(
      cli.api.user.GET('/challenges/{challengeId}/training-jobs/{trainingJobId}', { params: { path: { challengeId, trainingJobId: id } } }),
    );
    const { lines } = await readLog();
    for (const line of lines.slice(printed)) cli.out.line(line);
    printed = Math.max(printed, lines.length);
    if (ENDED.includes(job.status)) {
      cli.out.note(`${job.status}: ${job.message ?? ''}`.trim());
      return;
    }
    await sleep(2000);
  }
}

function registerTrainingCancel(program: Command): void {
  program
    .command('training-cancel')
    .description('cancel a training job: charged its run time so far')
    .argument('<id>', 'training job id')
    .addOption(challengeOption())
    .addHelpText('after', '\nExamples:\n  podium training-cancel t-1a2b… -c tissuenet')
    .action(async (id: string, options: { challenge?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const job = await cli.api.read(
        cli.api.user.POST('/challenges/{challengeId}/training-jobs/{trainingJobId}/cancel', { params: { path: { challengeId, trainingJobId: id } } }),
      );
      cli.out.result(job, () => cli.out.line(`✓ Training job ${id} is ${job.status}.`));
    });
}

function registerBudget(program: Command): void {
  program
    .command('budget')
    .description("your team's GPU-hour training budget in a phase, with its euro estimate and alerts")
    .argument('[challenge]', 'challenge id (or -c <id>)')
    .addOption(challengeOption())
    .option(...phaseOption)
    .addHelpText('after', '\nExamples:\n  podium budget tissuenet --phase learning\n  podium budget --json')
    .action(async (challengeArgument: string | undefined, options: { challenge?: string; phase?: string }, command: Command) => {
      const cli = await cliContext(command);
      const { challenge } = challengeAndRest([challengeArgument], options.challenge);
      const { challengeId, phaseId } = await challengeAndPhase(cli, challenge, options.phase);
      const budget = await cli.api.read(cli.api.user.GET('/challenges/{challengeId}/phases/{phaseId}/budget', { params: { path: { challengeId, phaseId } } }));
      cli.out.result(budget, () => {
        cli.out.line(`${challengeId} / ${phaseId}: ${budgetLine(budget)}`);
        for (const alert of budget.alerts) cli.out.line(`  alert: ${alert.percent} % reached at ${alert.at}`);
      });
    });
}

function registerGrantBudget(program: Command): void {
  program
    .command('grant-budget')
    .description('organisers: grant a team more GPU-hours in a phase (audited)')
    .argument('<teamId>', 'the team')
    .requiredOption('--hours <n>', 'GPU-hours to add', Number)
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .addOption(challengeOption())
    .option(...phaseOption)
    .addHelpText('after', '\nExamples:\n  podium grant-budget solo-1a2b… --hours 2 --reason "finalist" -c tissuenet --phase learning')
    .action(async (teamId: string, options: { hours: number; reason: string; challenge?: string; phase?: string }, command: Command) => {
      const cli = await cliContext(command);
      const { challengeId, phaseId } = await challengeAndPhase(cli, options.challenge, options.phase);
      const result = await cli.api.read(
        cli.api.user.POST('/admin/challenges/{challengeId}/phases/{phaseId}/teams/{teamId}/budget-grants', {
          params: { path: { challengeId, phaseId, teamId } },
          body: { gpuHours: options.hours, reason: options.reason },
        }),
      );
      cli.out.result(result, () => cli.out.line(`✓ ${teamId}: ${budgetLine(result.budget)}`));
    });
}

export function registerTraining(program: Command): void {
  for (const register of [registerTrain, registerTrainingJobs, registerTrainingLogs, registerTrainingCancel, registerBudget, registerGrantBudget])
    register(program);
}
