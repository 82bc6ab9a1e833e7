import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { phaseOnPlatform } from '../open-phase.ts';
import { cliContext } from '../cli-context.ts';
import { formatTable, usageError } from '../output.ts';
import { formatValue, scoreDisplayOf } from '../score-display.ts';

interface LeaderboardOptions {
  phase?: string;
  split: string;
  limit: string;
  all?: boolean;
}

export function registerLeaderboard(program: Command): void {
  program
    .command('leaderboard')
    .description("a phase's leaderboard as an aligned table (best scored submission per team)")
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .option('-p, --phase <id>', 'phase id (default: the only open phase)')
    .option('--split <split>', 'public or private (private: organisers, or everyone once published)', 'public')
    .option('--limit <n>', 'entries per page', '50')
    .option('--all', 'fetch every page')
    .addHelpText(
      'after',
      '\nExamples:\n  podium leaderboard tissuenet --phase learning\n  podium leaderboard tissuenet --phase final --split private --all --json',
    )
    .action(async (challengeArgument: string | undefined, options: LeaderboardOptions & { challenge?: string }, command: Command) => {
      const { challenge: givenChallenge } = challengeAndRest([challengeArgument], options.challenge);
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(givenChallenge);
      const phaseId = await phaseOnPlatform(cli, challengeId, options.phase);
      if (!['public', 'private'].includes(options.split)) throw usageError(`--split must be public or private, got "${options.split}"`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw usageError('--limit must be a whole number from 1 to 200');
      // Anonymous reads are allowed; a logged-in organiser sees unpublished private boards.
      const page = (cursor?: string) =>
        cli.api.read(
          cli.api.caller.GET('/challenges/{challengeId}/phases/{phaseId}/leaderboard', {
            params: { path: { challengeId, phaseId }, query: { split: options.split as 'public' | 'private', limit, ...(cursor ? { cursor } : {}) } },
          }),
        );
      let board = await page();
      const entries = [...board.entries];
      while (options.all && board.nextCursor) {
        board = await page(board.nextCursor);
        entries.push(...board.entries);
      }
      const result = { ...board, entries, nextCursor: options.all ? null : board.nextCursor };
      const display = cli.out.json ? undefined : await scoreDisplayOf(cli.api, challengeId);
      cli.out.result(result, () => {
        cli.out.line(`${challengeId} / ${phaseId}, ${options.split} leaderboard${board.published ? ' (published)' : ''} (${display!.better} is better)`);
        if (entries.length === 0) {
          cli.out.line('No scored submissions yet.');
          return;
        }
        // Every named score: the primary one, then the tie-breaking ones, each with its direction.
        const secondary = (board.scores ?? []).filter((column) => !column.primary).map((column) => column.name);
        const arrow = (name: string) =>
          secondary.length === 0 ? '' : (board.scores ?? []).find((column) => column.name === name)?.direction === 'lower-is-better' ? ' ↓' : ' ↑';
        cli.out.line(
          formatTable(
            ['RANK', 'TEAM', `SCORE${arrow('score')}`, ...secondary.map((name) => `${name.toUpperCase()}${arrow(name)}`), 'SUBMITTED', 'SUBMISSION'],
            entries.map((e) => [
              e.rank,
              e.teamName,
              formatValue(e.score, display!),
              ...secondary.map((name) => e.secondaryScores?.[name]),
              e.submittedAt,
              e.submissionId,
            ]),
            [true, false, true, ...secondary.map(() => true)],
          ),
        );
        if (result.nextCursor) cli.out.line(`(more entries: add --all)`);
      });
    });
}
