import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { usageError } from '../output.ts';

const KINDS = ['leaderboard', 'submissions', 'access-log'] as const;

interface ExportOptions {
  challenge?: string;
  phase?: string;
  out?: string;
  split: string;
  all?: boolean;
  pseudonymise?: boolean;
}

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
    .option('--all', 'the whole challenge as one archive (JSON) that `podium restore` loads into another Podium')
    .option('--pseudonymise', 'with --all: user ids, e-mails and team names replaced by pseudonyms')
    .addHelpText(
      'after',
      '\nExamples:\n  podium export tissuenet leaderboard --phase learning -o leaderboard.csv\n' +
        '  podium export tissuenet leaderboard --phase final --split private -o final.csv\n  podium export tissuenet access-log > access.csv\n' +
        '  podium export tissuenet --all --pseudonymise -o tissuenet-archive.json',
    )
    .action(async (challengeArgument: string | undefined, secondArgument: string | undefined, options: ExportOptions, command: Command) => {
      const {
        challenge: givenChallenge,
        rest: [what],
      } = challengeAndRest([challengeArgument, secondArgument], options.challenge);
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(givenChallenge);
      if (options.all) {
        if (what) throw usageError(`--all exports everything; leave out "${what}"`);
        const archive = await cli.api.read(
          cli.api.user.GET('/admin/challenges/{challengeId}/archive', {
            params: { path: { challengeId }, query: { pseudonymise: options.pseudonymise ? 'true' : 'false' } },
          }),
        );
        const target = options.out ?? `${challengeId}-archive.json`;
        await writeFile(target, `${JSON.stringify(archive)}\n`);
        cli.out.result({ file: target, items: archive.items.length }, () =>
          cli.out.line(`✓ ${archive.items.length} items of ${challengeId} written to ${target}`),
        );
        return;
      }
      if (options.pseudonymise) throw usageError('--pseudonymise goes with --all');
      if (!what) throw usageError(`what to export? one of ${KINDS.join(', ')}`, `podium export ${challengeId} leaderboard --phase <id>`);
      if (!(KINDS as readonly string[]).includes(what)) throw usageError(`<what> must be one of ${KINDS.join(', ')}, got "${what}"`);
      if (!['public', 'private'].includes(options.split)) throw usageError(`--split must be public or private, got "${options.split}"`);
      if (what === 'leaderboard' && !options.phase) throw usageError('the leaderboard export needs --phase <id>');
      const csv = await cli.api.read(
        cli.api.user.GET('/admin/challenges/{challengeId}/exports/{export}', {
          params: {
            path: { challengeId, export: `${what as (typeof KINDS)[number]}.csv` },
            query: { phase: options.phase, ...(what === 'leaderboard' ? { split: options.split as 'public' | 'private' } : {}) },
          },
          headers: { accept: 'text/csv' },
          parseAs: 'text',
        }),
      );
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
