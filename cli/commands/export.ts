import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext, seg } from '../cli-context.ts';
import { usageError } from '../output.ts';

const KINDS = ['leaderboard', 'submissions', 'access-log'] as const;

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('organisers: download the leaderboard, submissions or data-access log as CSV (formula cells neutralised)')
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .argument('[what]', KINDS.join(' | '))
    .option('-p, --phase <id>', 'phase (leaderboard and submissions)')
    .option('--split <split>', 'leaderboard: public or private (the private board, published or not)', 'public')
    .option('-o, --out <file>', 'write to this file (default: stdout)')
    .addHelpText('after', '\nExamples:\n  podium export tissuenet leaderboard --phase learning -o leaderboard.csv\n  podium export tissuenet leaderboard --phase final ' + '--split private -o final.csv\n  podium export tissuenet access-log > access.csv')
    .action(async (challengeArgument: string | undefined, secondArgument: string | undefined, options: { phase?: string; out?: string; split: string } & { challenge?: string }, command: Command) => {
      const { challenge: givenChallenge, rest: [what] } = challengeAndRest([challengeArgument, secondArgument], options.challenge);
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(givenChallenge);
      if (!what) throw usageError(`what to export? one of ${KINDS.join(', ')}`, `podium export ${challengeId} leaderboard --phase <id>`);
      if (!(KINDS as readonly string[]).includes(what)) throw usageError(`<what> must be one of ${KINDS.join(', ')}, got "${what}"`);
      if (!['public', 'private'].includes(options.split)) throw usageError(`--split must be public or private, got "${options.split}"`);
      if (what === 'leaderboard' && !options.phase) throw usageError('the leaderboard export needs --phase <id>');
      const response = await cli.api.fetchRaw('GET', `/admin/challenges/${seg(challengeId)}/exports/${what}.csv`, { query: { phase: options.phase, ...(what === 'leaderboard' ? { split: options.split } : {}) }, headers: { accept: 'text/csv' } });
      const csv = await response.text();
      const rows = Math.max(0, csv.split('\n').filter((line) => line.length > 0).length - 1);
      if (options.out) {
        await writeFile(options.out, csv);
        cli.out.result({ file: options.out, rows }, () => cli.out.line(`✓ ${rows} rows written to ${options.out}`));
      } else if (cli.out.json) {
        cli.out.result({ rows, csv }, () => {});
      } else {
        process.stdout.write(csv);
      }
    });
}
