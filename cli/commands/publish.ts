import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext, type CliContext } from '../cli-context.ts';
import { CliError, usageError } from '../output.ts';
import { ask } from '../prompt.ts';

interface PublishOptions {
  phase: string;
  pause?: boolean;
  resume?: boolean;
  undo?: boolean;
  force?: boolean;
  reason?: string;
  yes?: boolean;
}

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description("organisers: publish a phase's final leaderboard after it closes (--undo hides it again; --pause / --resume its submissions)")
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .requiredOption('-p, --phase <id>', 'phase id')
    .option('-y, --yes', 'publish without asking (what becomes visible is still printed)')
    .option('--force', 'publish although the phase is still open (needs --reason; audit-logged)')
    .option('--reason <text>', 'why: required with --force and --undo, kept in the audit log')
    .option('--undo', 'unpublish: hide the final leaderboard and private scores again (needs --reason)')
    .option('--pause', 'pause new submissions instead')
    .option('--resume', 'resume submissions instead')
    .addHelpText(
      'after',
      '\nExamples:\n  podium publish tissuenet --phase final\n  podium publish tissuenet --phase final --force --reason "workshop results" --yes\n  ' +
        'podium publish tissuenet --phase final --undo --reason "labels fixed, rescoring"\n  podium publish tissuenet --phase learning --pause',
    )
    .action(async (challengeArgument: string | undefined, options: PublishOptions & { challenge?: string }, command: Command) => {
      const { challenge: givenChallenge } = challengeAndRest([challengeArgument], options.challenge);
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(givenChallenge);
      const modes = [options.pause, options.resume, options.undo].filter(Boolean).length;
      if (modes > 1) throw usageError('--pause, --resume and --undo cannot be combined');
      const phaseId = options.phase;
      const where = `${challengeId}/${options.phase}`;
      if (options.pause || options.resume) {
        const action = options.pause ? 'pause' : 'resume';
        const path = `/admin/challenges/{challengeId}/phases/{phaseId}/${action}` as const;
        const result = await cli.api.read(cli.api.user.POST(path, { params: { path: { challengeId, phaseId } } }));
        cli.out.result(result ?? { challenge: challengeId, phase: options.phase, action }, () =>
          cli.out.line(`✓ ${where}: submissions ${action === 'pause' ? 'paused' : 'resumed'}.`),
        );
        return;
      }
      if (options.undo) {
        if (!options.reason)
          throw usageError('--undo needs --reason (it goes to the audit log)', `podium publish ${challengeId} --phase ${options.phase} --undo --reason "why"`);
        const result = await cli.api.read(
          cli.api.user.POST('/admin/challenges/{challengeId}/phases/{phaseId}/unpublish', {
            params: { path: { challengeId, phaseId } },
            body: { reason: options.reason! },
          }),
        );
        cli.out.result(result, () => cli.out.line(`✓ ${where}: leaderboard unpublished; private scores are hidden again.`));
        return;
      }
      await publish(cli, challengeId, options, where);
    });
}

async function publish(cli: CliContext, challengeId: string, options: PublishOptions, where: string): Promise<void> {
  const phaseId = options.phase;
  if (options.force && !options.reason)
    throw usageError('--force needs --reason (it goes to the audit log)', `podium publish ${challengeId} --phase ${options.phase} --force --reason "why"`);
  const preview = await cli.api.read(
    cli.api.user.GET('/admin/challenges/{challengeId}/phases/{phaseId}/publication', { params: { path: { challengeId, phaseId } } }),
  );
  const board = preview.board === 'private' ? 'the private leaderboard' : 'the leaderboard';
  cli.out.line(`Publishing ${where} makes visible to everyone:`);
  cli.out.line(`  - ${board}, ${preview.boardTeams} team${preview.boardTeams === 1 ? '' : 's'};`);
  cli.out.line(`  - the private and overall score of every submission (${preview.scoredSubmissions} scored so far), to its team.`);
  if (preview.open) {
    if (!options.force) {
      throw new CliError(
        'PHASE_OPEN',
        `phase ${options.phase} of ${challengeId} is open until ${preview.closes}: publishing now would show every team the private score of each ` +
          `submission it makes until then`,
        {
          details: { closes: preview.closes },
          hint: `publish after it closes, or force it (audit-logged): podium publish ${challengeId} --phase ${options.phase} --force --reason "why"`,
        },
      );
    }
    cli.out.line(`  The phase is still open (until ${preview.closes}): every later submission's private score will show too.`);
  }
  if (preview.published) cli.out.line('  (It is already published.)');
  if (!options.yes) {
    if (cli.out.json) throw usageError('--json needs --yes to publish', `podium --json publish ${challengeId} --phase ${options.phase} --yes`);
    const answer = await ask(`Publish ${where}? [y/N] `, {
      nonInteractiveHint: `check the above, then run: podium publish ${challengeId} --phase ${options.phase} --yes`,
    });
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('NOT_PUBLISHED', 'nothing was published');
  }
  const result = await cli.api.read(
    cli.api.user.POST('/admin/challenges/{challengeId}/phases/{phaseId}/publish', {
      params: { path: { challengeId, phaseId } },
      body: { force: Boolean(options.force), ...(options.force && options.reason ? { reason: options.reason } : {}) },
    }),
  );
  cli.out.result(result, () => cli.out.line(`✓ ${where}: leaderboard published: everyone now sees the private scores.`));
}
