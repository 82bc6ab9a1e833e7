import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { ApiClient } from '../api-client.ts';
import { challengeOption } from '../challenge-argument.ts';
import { formatScore, scoreDisplayOf, type ScoreDisplay } from '../score-display.ts';
import { noteWhileWaiting } from '../waiting-note.ts';
import { cliContext } from '../cli-context.ts';
import { CliError, EXIT, usageError, type Output } from '../output.ts';
import type { ApiSchema } from '../../api-client/podium-api.ts';

type Submission = ApiSchema<'Submission'>;

interface RescoreRequest {
  rescoreId: string;
  challengeId: string;
  phaseId: string;
  submissionId?: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  scorerVersion?: string;
  counts?: { rescored: number; notRescored: number };
  failures?: { submissionId: string; message: string }[];
  result?: { submissionId: string; rescored: boolean; message?: string; scores?: Submission['score']; previous?: Submission['score'] };
  leaderboard?: { written: number; removed: number; unchanged: number };
  message?: string;
}

interface RescoreOptions {
  challenge?: string;
  phase?: string;
  follow?: string;
  timeout: string;
  pollInterval: string;
}

const FINISHED = ['SUCCEEDED', 'FAILED'];

export function registerRescore(program: Command): void {
  program
    .command('rescore')
    .description('organisers: score one submission, or a whole phase, again with the current scorer (no new submissions, quotas untouched)')
    .argument('[submissionId]', 'one submission')
    .addOption(challengeOption('with --phase: rescore every scored submission of the phase'))
    .option('-p, --phase <id>', 'phase to rescore')
    .option('--follow <rescoreId>', 'wait for a rescore already requested (after a --timeout) instead of starting one')
    .option('--timeout <seconds>', 'stop waiting after this long (the rescore keeps running)', '1800')
    .option('--poll-interval <seconds>', 'seconds between status checks', '2')
    .addHelpText(
      'after',
      `
Rescoring runs as a job on the platform (only scoring jobs may read the hidden labels), which also
rebuilds the leaderboard; the command waits for it. Exits 0 when the rescore SUCCEEDED, 1 when it
FAILED or the one submission asked for was not rescored.

Examples:
  podium rescore s-01HV6…
  podium rescore --challenge tissuenet --phase learning
  podium rescore --follow r-3f2a…`,
    )
    .action(async (submissionId: string | undefined, options: RescoreOptions, command: Command) => {
      const cli = await cliContext(command);
      const pollMs = Number(options.pollInterval) * 1000;
      if (!(pollMs > 0)) throw usageError('--poll-interval must be a positive number of seconds');
      const timeoutMs = Number(options.timeout) * 1000;
      if (!(timeoutMs > 0)) throw usageError('--timeout must be a positive number of seconds');
      if ([submissionId, options.follow, options.phase || options.challenge].filter(Boolean).length > 1) {
        throw usageError('give one of: a submission id, --challenge and --phase, or --follow <rescoreId>');
      }
      let request: RescoreRequest;
      if (options.follow) {
        request = await cli.api.read(cli.api.user.GET('/admin/rescores/{rescoreId}', { params: { path: { rescoreId: options.follow } } }));
      } else if (submissionId) {
        request = await cli.api.read(cli.api.user.POST('/admin/submissions/{submissionId}/rescore', { params: { path: { submissionId } } }));
      } else {
        if (!options.challenge || !options.phase) throw usageError('pass a submission id, or --challenge <id> --phase <id> for a whole phase');
        request = await cli.api.read(
          cli.api.user.POST('/admin/challenges/{challengeId}/phases/{phaseId}/rescore', {
            params: { path: { challengeId: options.challenge, phaseId: options.phase } },
          }),
        );
      }
      cli.out.note(`Rescore ${request.rescoreId} ${request.status}; waiting for it (Ctrl-C stops waiting; the rescore keeps running).`);
      let latest = request;
      const stopNoting = noteWhileWaiting(cli.out, () => `rescore ${latest.rescoreId} ${latest.status}`);
      const finished = await waitForRescore(cli.api, request, { pollMs, timeoutMs, onPoll: (polled) => (latest = polled) }).finally(stopNoting);
      process.exitCode = report(cli.out, finished, await scoreDisplayOf(cli.api, finished.challengeId));
    });
}

/** Polls the request until it finishes; on timeout, says how to pick it up again. */
async function waitForRescore(
  api: ApiClient,
  initial: RescoreRequest,
  options: { pollMs: number; timeoutMs: number; onPoll?: (request: RescoreRequest) => void },
): Promise<RescoreRequest> {
  const follow = `podium rescore --follow ${initial.rescoreId}`;
  const onInterrupt = () => {
    process.stderr.write(`\nStopped waiting; rescore ${initial.rescoreId} keeps running. Check it with: ${follow}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    const started = Date.now();
    let request = initial;
    while (!FINISHED.includes(request.status)) {
      if (Date.now() - started > options.timeoutMs) {
        throw new CliError(
          'WAIT_TIMEOUT',
          `rescore ${request.rescoreId} is still ${request.status} after ${Math.round(options.timeoutMs / 1000)} s; it keeps running on the platform`,
          {
            hint: `check later with: ${follow}`,
            details: { rescoreId: request.rescoreId, status: request.status },
          },
        );
      }
      await sleep(options.pollMs);
      request = await api.read(api.user.GET('/admin/rescores/{rescoreId}', { params: { path: { rescoreId: request.rescoreId } } }));
      options.onPoll?.(request);
    }
    return request;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** Prints the outcome; returns the exit code: failed when the request FAILED or its one submission was not rescored. */
function report(out: Output, request: RescoreRequest, display: ScoreDisplay): number {
  const counts = request.counts ?? { rescored: 0, notRescored: 0 };
  out.result(request, () => {
    if (request.status === 'FAILED') {
      out.line(`✗ rescore ${request.rescoreId} failed: ${request.message ?? 'no reason given'}`);
      return;
    }
    const result = request.result;
    if (request.submissionId && result) {
      if (result.rescored)
        out.line(
          `✓ ${result.submissionId} rescored: ` +
            `${formatScore(result.scores, display)}${result.previous ? ` (was ${formatScore(result.previous, display)})` : ''}`,
        );
      else out.line(`✗ ${result.submissionId} not rescored: ${result.message ?? 'no reason given'}`);
    } else {
      out.line(`✓ ${request.challengeId}/${request.phaseId}: ${counts.rescored} submissions rescored, ${counts.notRescored} not rescored.`);
      const listed = request.failures ?? [];
      for (const miss of listed) out.line(`  ✗ ${miss.submissionId}: ${miss.message}`);
      if (counts.notRescored > listed.length) out.line(`  … and ${counts.notRescored - listed.length} more not rescored`);
    }
    if (request.leaderboard)
      out.line(
        `  leaderboard rebuilt: ${request.leaderboard.written} entries written, ${request.leaderboard.removed} removed, ` +
          `${request.leaderboard.unchanged} unchanged`,
      );
    if (request.scorerVersion) out.line(`  scorer ${request.scorerVersion}`);
  });
  const oneNotRescored = request.submissionId !== undefined && request.result?.rescored !== true;
  return request.status === 'SUCCEEDED' && !oneNotRescored ? EXIT.ok : EXIT.failed;
}
