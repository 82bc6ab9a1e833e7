import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { components } from '../../api-client/openapi.d.ts';
import type { ApiClient } from '../api-client.ts';
import { challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { CliError, EXIT, printable, usageError } from '../output.ts';
import { noteWhileWaiting } from '../waiting-note.ts';

type RerunRequest = components['schemas']['RerunRequest'];

interface RerunOptions {
  challenge?: string;
  phase?: string;
  top?: string;
  tolerance: string;
  follow?: string;
  report?: string;
  timeout: string;
  pollInterval: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerRerun(program: Command): void {
  const rerun = program
    .command('rerun')
    .description("organisers: run the top teams' ranked archives again on the same hidden data and image, and compare predictions and scores")
    .addOption(challengeOption())
    .option('-p, --phase <id>', 'phase whose ranking is checked (its private board when it has one)')
    .option('--top <n>', 'how many teams, from the top of the ranking')
    .option('--tolerance <x>', 'largest difference of a prediction or of the score still "within tolerance"', '1e-9')
    .option('--follow <rerunId>', 'wait for a rerun already requested instead of starting one')
    .option('--report <file>', 'also write the per-team report: .csv (for the scientific committee) or .json')
    .option('--timeout <seconds>', 'stop waiting after this long (the rerun keeps running)', '7200')
    .option('--poll-interval <seconds>', 'seconds between status checks', '5')
    .addHelpText(
      'after',
      `
Each team's archive runs as a job in the phase's own image, on its hidden data; a last job scores
the reruns and compares them with the original runs. Nothing changes on the platform: no quota, no
score, no leaderboard. Verdicts: identical (same bytes, same score), within-tolerance, different.
Exits 0 when every team is identical or within tolerance, 1 otherwise.

To put a rerun's scores on the board, an organiser applies it: podium rerun apply <rerunId>.

Examples:
  podium rerun --challenge tissuenet --phase final --top 3 --report final-reruns.csv
  podium rerun --follow x-3f2a…
  podium rerun apply x-3f2a…`,
    )
    .action(async (options: RerunOptions, command: Command) => {
      const cli = await cliContext(command);
      const pollMs = Number(options.pollInterval) * 1000;
      const timeoutMs = Number(options.timeout) * 1000;
      if (!(pollMs > 0) || !(timeoutMs > 0)) throw usageError('--poll-interval and --timeout must be positive numbers of seconds');
      if (options.report && !/\.(csv|json)$/i.test(options.report)) throw usageError('--report must name a .csv or a .json file');
      let request: RerunRequest;
      if (options.follow) {
        request = await cli.api.read(cli.api.user.GET('/admin/reruns/{rerunId}', { params: { path: { rerunId: options.follow } } }));
      } else {
        const top = Number(options.top);
        const tolerance = Number(options.tolerance);
        if (!options.phase || !Number.isInteger(top) || top < 1)
          throw usageError('pass --phase <id> and --top <n> (a whole number ≥ 1), or --follow <rerunId>');
        if (!(tolerance >= 0)) throw usageError('--tolerance must be a number ≥ 0');
        const challenge = cli.challengeOr(options.challenge);
        request = await cli.api.read(
          cli.api.user.POST('/admin/challenges/{challengeId}/phases/{phaseId}/reruns', {
            params: { path: { challengeId: challenge, phaseId: options.phase } },
            body: { top, tolerance },
          }),
        );
      }
      cli.out.note(`Rerun ${request.rerunId} ${request.status}; waiting for it (Ctrl-C stops waiting; the rerun keeps running).`);
      let latest = request;
      const stopNoting = noteWhileWaiting(cli.out, () => `rerun ${latest.rerunId} ${latest.status}`);
      const finished = await waitForRerun(cli.api, request, { pollMs, timeoutMs, onPoll: (polled) => (latest = polled) }).finally(stopNoting);
      if (options.report && finished.status === 'SUCCEEDED') {
        const target = resolve(options.report);
        const body = /\.csv$/i.test(target)
          ? await cli.api.read(cli.api.user.GET('/admin/reruns/{rerunId}/report.csv', { params: { path: { rerunId: finished.rerunId } }, parseAs: 'text' }))
          : `${JSON.stringify(finished, null, 2)}\n`;
        await writeFile(target, body);
        cli.out.note(`Report written to ${target}.`);
      }
      const results = finished.results ?? [];
      cli.out.result(finished, () => {
        if (finished.status === 'FAILED') {
          cli.out.line(`✗ rerun ${finished.rerunId} failed: ${finished.message ?? 'no reason given'}`);
          return;
        }
        cli.out.line(`Rerun ${finished.rerunId} of ${finished.challengeId}/${finished.phaseId} (${finished.split} board, tolerance ${finished.tolerance}):`);
        for (const result of results) {
          const score = result.rerunScore === undefined ? 'no score' : `score ${result.originalScore} → ${result.rerunScore}`;
          const rows = result.predictions.rows === undefined ? '' : `, ${result.predictions.differingRows} of ${result.predictions.rows} rows differ`;
          const why = result.failure ? ` (${printable(result.failure)})` : '';
          cli.out.line(
            `  #${result.rank} ${printable(result.teamName ?? result.teamId)}: ${result.verdict.toUpperCase()}: ` +
              `predictions ${result.predictions.agreement}${rows}; ${score}${why}`,
          );
        }
      });
      const consistent = finished.status === 'SUCCEEDED' && results.every((result) => result.verdict !== 'different');
      process.exitCode = consistent ? EXIT.ok : EXIT.failed;
    });
  registerRerunApply(rerun);
}

/** `podium rerun apply`: the audit-logged step that makes a rerun's scores the recorded ones. */
function registerRerunApply(rerun: Command): void {
  rerun
    .command('apply <rerunId>')
    .description("organisers: replace the recorded scores of the teams whose rerun is different with the rerun's, and rebuild the board (audit-logged)")
    .option('--team <teamId>', 'apply only this team (repeat for more); a within-tolerance team may be chosen too', collect)
    .addHelpText(
      'after',
      `
By default every team whose verdict is "different" and whose rerun produced a score. The submission
keeps the scores it replaced, and the audit log records who applied what (old and new scores).
Applying again changes nothing and says so; a rerun still running, failed, or stale (a team's
ranked submission or its scores changed since) is refused.

Examples:
  podium rerun apply x-3f2a…
  podium rerun apply x-3f2a… --team 0b6c…`,
    )
    .action(async (rerunId: string, options: { team?: string[] }, command: Command) => {
      const cli = await cliContext(command);
      const applied = await cli.api.read(
        cli.api.user.POST('/admin/reruns/{rerunId}/apply', { params: { path: { rerunId } }, body: options.team ? { teams: options.team } : {} }),
      );
      cli.out.result(applied, () => {
        if (applied.alreadyApplied) cli.out.line(`Rerun ${applied.rerunId} was already applied: nothing changed.`);
        else cli.out.line(`Rerun ${applied.rerunId} of ${applied.challengeId}/${applied.phaseId} (${applied.split} board):`);
        if (applied.teams.length === 0) cli.out.line('  no team to apply: no rerun was different');
        for (const team of applied.teams) {
          const what =
            team.outcome === 'skipped'
              ? `skipped: ${printable(team.reason)}`
              : `${team.outcome === 'applied' ? 'applied' : 'already applied'}: ` +
                `score ${team.previousScore} → ${team.newScore} (submission ${team.submissionId})`;
          cli.out.line(`  ${printable(team.teamId)}: ${what}`);
        }
      });
    });
}

async function waitForRerun(
  api: ApiClient,
  initial: RerunRequest,
  options: { pollMs: number; timeoutMs: number; onPoll?: (request: RerunRequest) => void },
): Promise<RerunRequest> {
  const started = Date.now();
  let request = initial;
  while (request.status !== 'SUCCEEDED' && request.status !== 'FAILED') {
    if (Date.now() - started > options.timeoutMs) {
      throw new CliError(
        'WAIT_TIMEOUT',
        `rerun ${request.rerunId} is still ${request.status} after ${Math.round(options.timeoutMs / 1000)} s; it keeps running on the platform`,
        {
          hint: `check later with: podium rerun --follow ${request.rerunId}`,
          details: { rerunId: request.rerunId, status: request.status },
        },
      );
    }
    await sleep(options.pollMs);
    request = await api.read(api.user.GET('/admin/reruns/{rerunId}', { params: { path: { rerunId: request.rerunId } } }));
    options.onPoll?.(request);
  }
  return request;
}
