import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api-client.ts';
import { CliError, EXIT, type Output } from './output.ts';
import type { ApiSchema } from '../api-client/podium-api.ts';
import { TERMINAL_STATUSES } from '#shared/submissions/submission-status.ts';
import { formatScore, type ScoreDisplay } from './score-display.ts';

type Submission = ApiSchema<'Submission'>;

type Followed = { submission: Submission; states: { status: string; at: string; betweenChecks?: true }[] };

/** The states a submission that ends well goes through, in order (shared/submissions/submission-status.ts). */
export const SCORED_PATH = ['CREATED', 'UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'SCORING', 'SCORED'];

/** The states of the scored path strictly between two observed ones: passed while the CLI was not looking. */
export function statesBetween(previous: string, next: string): string[] {
  const from = previous ? SCORED_PATH.indexOf(previous) : 0;
  const to = SCORED_PATH.indexOf(next);
  if (from < 0 || to < 0 || to <= from) return [];
  return SCORED_PATH.slice(previous ? from + 1 : 0, to);
}

/** Polls a submission until it ends, printing each state change once; returns the final record. */
export async function waitForSubmission(api: ApiClient, out: Output, initial: Submission, options: { pollMs: number; timeoutMs?: number }): Promise<Followed> {
  // Ctrl-C stops the waiting, not the submission: say how to pick it up again.
  const onInterrupt = () => {
    process.stderr.write(`\nStopped waiting; submission ${initial.id} keeps running. Check it with: podium status ${initial.id}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await follow(api, out, initial, options);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

async function follow(api: ApiClient, out: Output, initial: Submission, options: { pollMs: number; timeoutMs?: number }): Promise<Followed> {
  const states: Followed['states'] = [];
  let submission = initial;
  let last = '';
  const started = Date.now();
  for (;;) {
    if (submission.status !== last) {
      const at = new Date().toISOString();
      // Polling can miss a quick state; the scored path says which ones were passed, so print them too.
      for (const passed of statesBetween(last, submission.status)) {
        states.push({ status: passed, at, betweenChecks: true });
        out.line(`  ${at.slice(11, 19)}  ${passed} (between two checks)`);
      }
      last = submission.status;
      states.push({ status: submission.status, at });
      out.line(`  ${at.slice(11, 19)}  ${submission.status}`);
    }
    if (TERMINAL_STATUSES.includes(submission.status)) return { submission, states };
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
      throw new CliError(
        'WAIT_TIMEOUT',
        `submission ${submission.id} is still ${submission.status} after ${Math.round(options.timeoutMs / 1000)} s; it keeps running on the platform`,
        {
          hint: `check later with: podium status ${submission.id}`,
        },
      );
    }
    await sleep(options.pollMs);
    submission = await api.read(api.user.GET('/submissions/{submissionId}', { params: { path: { submissionId: submission.id } } }));
  }
}

/** The outcome lines of a finished submission, and the exit code it deserves. */
export function reportOutcome(out: Output, submission: Submission, display: ScoreDisplay): number {
  if (submission.status === 'SCORED') {
    const score = formatScore(submission.score, display);
    out.line(
      score
        ? `✓ Scored: ${score}`
        : submission.mode === 'smoke'
          ? '✓ Smoke run passed.'
          : '✓ Scored (the score stays hidden until the organisers publish this phase).',
    );
    return EXIT.ok;
  }
  if (submission.failure) {
    out.line(`✗ ${submission.status}: ${submission.failure.reason}`);
    out.line(`  ${submission.failure.message}`);
  } else {
    out.line(`✗ ${submission.status}`);
  }
  if (submission.failure?.reason === 'PLATFORM_ERROR') out.line('  this is a platform fault, not your code: it is not charged to your quota; submit again');
  else if (submission.mode === 'smoke') out.line(`  see the log with: podium logs ${submission.id}`);
  // A run on hidden data shows no log: point at the runs that do.
  else out.line('  reproduce it with a smoke run (podium submit --smoke …) or podium test-submission, which show the full log');
  return EXIT.submissionFailed;
}
