import type { Command } from 'commander';
import { challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { formatTable } from '../output.ts';
import { formatScore, scoreDisplayOf } from '../score-display.ts';
import { describeRunUsage } from '#shared/pipeline/run-usage.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("one submission's state, score and failure reason; without an id, your team's submissions")
    .argument('[id]', 'submission id')
    .addOption(challengeOption('challenge to list (default: the one you last joined)'))
    .option('-p, --phase <id>', 'only this phase')
    .addHelpText('after', "\nExamples:\n  podium status                 # my team's submissions\n  podium status s-01HV6…        # one submission")
    .action(async (id: string | undefined, options: { challenge?: string; phase?: string }, command: Command) => {
      const cli = await cliContext(command);
      if (id) {
        const submission = await cli.api.read(cli.api.user.GET('/submissions/{submissionId}', { params: { path: { submissionId: id } } }));
        const display = await scoreDisplayOf(cli.api, submission.challengeId);
        cli.out.result(submission, () => {
          cli.out.line(`submission ${submission.id}`);
          cli.out.line(`  challenge  ${submission.challengeId} / ${submission.phaseId}${submission.mode === 'smoke' ? ' (smoke run)' : ''}`);
          cli.out.line(`  status     ${submission.status}`);
          cli.out.line(`  created    ${submission.createdAt}`);
          cli.out.line(`  updated    ${submission.updatedAt}`);
          const score = formatScore(submission.score, display);
          if (score) cli.out.line(`  score      ${score}`);
          if (submission.run) cli.out.line(`  run        ${describeRunUsage(submission.run)}`);
          if (submission.note) cli.out.line(`  note       ${submission.note}`);
          if (submission.failure) cli.out.line(`  failure    ${submission.failure.reason}: ${submission.failure.message}`);
        });
        return;
      }
      const challengeId = cli.challengeOr(options.challenge);
      const listed = await cli.api.read(
        cli.api.user.GET('/challenges/{challengeId}/submissions', { params: { path: { challengeId }, query: { phase: options.phase } } }),
      );
      // Oldest first across every phase, so the last line is the latest submission.
      const submissions = [...listed.submissions].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const display = await scoreDisplayOf(cli.api, challengeId);
      cli.out.result({ submissions }, () => {
        if (submissions.length === 0) {
          cli.out.line(`Your team has no submissions in ${challengeId}${options.phase ? `/${options.phase}` : ''} yet.`);
          return;
        }
        cli.out.line(
          formatTable(
            ['ID', 'PHASE', 'MODE', 'STATUS', 'SCORE', 'CREATED', 'FAILURE'],
            submissions.map((s) => [s.id, s.phaseId, s.mode, s.status, formatScore(s.score, display), s.createdAt, s.failure?.reason]),
          ),
        );
      });
    });
}
