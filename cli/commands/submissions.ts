import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { formatTable } from '../output.ts';
import type { ApiSchema } from '../../api-client/podium-api.ts';
import { formatScore, scoreDisplayOf } from '../score-display.ts';

type Submission = ApiSchema<'Submission'>;

export function registerSubmissions(program: Command): void {
  program
    .command('submissions')
    .description('organisers: every submission of a challenge, filtered by phase, status or team')
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .option('-p, --phase <id>', 'only this phase')
    .option('--status <status>', 'only this status (e.g. FAILED)')
    .option('--team <teamId>', 'only this team')
    .addHelpText(
      'after',
      '\nExamples:\n  podium submissions tissuenet --phase learning --status FAILED\n  podium submissions tissuenet --team t-01HV… ' + '--json',
    )
    .action(
      async (challengeArgument: string | undefined, options: { phase?: string; status?: string; team?: string } & { challenge?: string }, command: Command) => {
        const { challenge: givenChallenge } = challengeAndRest([challengeArgument], options.challenge);
        const cli = await cliContext(command);
        const challengeId = cli.challengeOr(givenChallenge);
        const display = await scoreDisplayOf(cli.api, challengeId);
        // Every page: the API answers 500 at most per call, with a cursor to the next.
        const submissions: Submission[] = [];
        let cursor: string | undefined;
        do {
          const page = await cli.api.read(
            cli.api.user.GET('/admin/challenges/{challengeId}/submissions', {
              params: {
                path: { challengeId },
                query: { phase: options.phase, status: options.status?.toUpperCase() as Submission['status'] | undefined, team: options.team, cursor },
              },
            }),
          );
          submissions.push(...page.submissions);
          cursor = page.nextCursor;
        } while (cursor);
        cli.out.result({ submissions }, () => {
          if (submissions.length === 0) {
            cli.out.line('No submissions match.');
            return;
          }
          cli.out.line(
            formatTable(
              ['ID', 'TEAM', 'PHASE', 'MODE', 'STATUS', 'SCORE', 'CREATED', 'FAILURE'],
              submissions.map((s) => [s.id, s.teamId, s.phaseId, s.mode, s.status, formatScore(s.score, display), s.createdAt, s.failure?.reason]),
            ),
          );
          cli.out.line(`${submissions.length} submission(s)`);
        });
      },
    );
}
