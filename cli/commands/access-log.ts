import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { ISO_INSTANT_HINT, isoInstant } from '#shared/iso-instant.ts';
import { formatTable, usageError } from '../output.ts';

interface AccessEntry {
  at?: string;
  userId?: string;
  email?: string;
  datasetId?: string;
  path?: string;
  [key: string]: unknown;
}

export function registerAccessLog(program: Command): void {
  program
    .command('access-log')
    .description('organisers: who was given which data file, and when (the audit trail health data needs)')
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .option('--user <id or email>', 'only this user (an e-mail is compared lower-cased)')
    .option('--dataset <id>', 'only this dataset')
    .option('--since <time>', 'only from this ISO 8601 time on (e.g. 2026-03-01 or 2026-03-01T12:00:00Z)')
    .option('--until <time>', 'only before this ISO 8601 time')
    .option('--summary', 'one row per download (user and dataset): files, first and last file given')
    .addHelpText(
      'after',
      '\nExamples:\n  podium access-log tissuenet\n  podium access-log tissuenet --summary --since 2026-03-01\n  podium access-log -c tissuenet ' +
        '--user ada@example.org --dataset train\n  podium export tissuenet access-log -o access.csv   # everything, as CSV',
    )
    .action(async (challengeArgument: string | undefined, options: AccessLogOptions, command: Command) => {
      const { challenge: givenChallenge } = challengeAndRest([challengeArgument], options.challenge);
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(givenChallenge);
      checkInstant(options.since, '--since');
      checkInstant(options.until, '--until');
      // The API filters (the time range is its key condition); every page is read, as the summary needs them all.
      const query = {
        ...(options.user ? { user: options.user } : {}),
        ...(options.dataset ? { dataset: options.dataset } : {}),
        ...(options.since ? { from: options.since } : {}),
        ...(options.until ? { to: options.until } : {}),
        limit: 500,
      };
      const entries: AccessEntry[] = [];
      let cursor: string | undefined;
      do {
        const params = { path: { challengeId }, query: { ...query, ...(cursor ? { cursor } : {}) } };
        const page = await cli.api.read(cli.api.user.GET('/admin/challenges/{challengeId}/access-log', { params }));
        entries.push(...page.entries);
        cursor = page.nextCursor;
      } while (cursor);
      if (options.summary) {
        const downloads = summarise(entries);
        cli.out.result({ downloads }, () => {
          if (downloads.length === 0) return cli.out.line(`No matching downloads from ${challengeId}.`);
          cli.out.line(
            formatTable(
              ['USER', 'EMAIL', 'DATASET', 'FILES', 'FIRST', 'LAST'],
              downloads.map((d) => [d.userId, d.email, d.datasetId, d.files, d.first, d.last]),
              [false, false, false, true],
            ),
          );
        });
        return;
      }
      cli.out.result({ entries }, () => {
        if (entries.length === 0) {
          cli.out.line(`No matching data access in ${challengeId}.`);
          return;
        }
        cli.out.line(
          formatTable(
            ['AT', 'USER', 'EMAIL', 'DATASET', 'FILE'],
            entries.map((e) => [e.at, e.userId, e.email, e.datasetId, e.path]),
          ),
        );
      });
    });
}

interface AccessLogOptions {
  challenge?: string;
  user?: string;
  dataset?: string;
  since?: string;
  until?: string;
  summary?: boolean;
}

/** The API's time format, checked here so the error names the flag rather than the query parameter. */
function checkInstant(value: string | undefined, flag: string): void {
  if (value === undefined) return;
  if (!isoInstant.safeParse(value).success)
    throw usageError(`${flag} must be ${ISO_INSTANT_HINT}, got "${value}"`, `${flag} 2026-03-01 or ${flag} 2026-03-01T12:00:00Z`);
}

/** A download is what one user fetched of one dataset: its files, and when the first and last were given. */
function summarise(entries: AccessEntry[]): { userId?: string; email?: string; datasetId?: string; files: number; first?: string; last?: string }[] {
  const downloads = new Map<string, { userId?: string; email?: string; datasetId?: string; files: number; first?: string; last?: string }>();
  for (const e of entries) {
    const key = `${e.userId}\u0000${e.datasetId}`;
    const download = downloads.get(key) ?? { userId: e.userId, email: e.email, datasetId: e.datasetId, files: 0, first: e.at, last: e.at };
    download.files++;
    if (e.at && (!download.first || e.at < download.first)) download.first = e.at;
    if (e.at && (!download.last || e.at > download.last)) download.last = e.at;
    downloads.set(key, download);
  }
  return [...downloads.values()].sort((a, b) => (a.first ?? '').localeCompare(b.first ?? ''));
}
