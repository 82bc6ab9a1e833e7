import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { challengeOption } from '../challenge-argument.ts';
import { phaseOnPlatform } from '../open-phase.ts';
import { cliContext } from '../cli-context.ts';
import { CliError, EXIT, formatBytes, usageError } from '../output.ts';
import { prepareArchive } from '../archive-folder.ts';
import { uploadArchive } from '../upload-archive.ts';
import { scoreDisplayOf } from '../score-display.ts';
import { reportOutcome, waitForSubmission } from '../wait-submission.ts';
import { withRetries } from '#shared/retry.ts';
import { MAX_NOTE_CHARS } from '#shared/submissions/submission-note.ts';

interface SubmitOptions {
  phase?: string;
  challenge?: string;
  multipart?: boolean;
  wait: boolean;
  smoke?: boolean;
  timeout?: string;
  pollInterval: string;
  note?: string;
  withOutputs?: string;
}

/** Above this an archive goes up in parts: one lost connection then costs one part, not the whole upload. */
export const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description('zip a folder (or take a .zip), upload it, and follow the submission until it is scored')
    .argument('<source>', 'folder with main.py at its top level, or a submission .zip')
    .option('-p, --phase <id>', 'phase to submit to (default: the only open phase)')
    .addOption(challengeOption())
    .option('--multipart', `upload in parts even below ${formatBytes(MULTIPART_THRESHOLD_BYTES)}`)
    .option('--smoke', 'run on the smoke dataset instead: full logs, never ranked, no quota used')
    .option('--with-outputs <trainingJobId>', "put a training job's outputs/ files next to main.py, on the platform (never downloaded)")
    .option('--note <text>', `a note for your team and the organisers (at most ${MAX_NOTE_CHARS} characters), shown by podium status`)
    .option('--no-wait', 'return as soon as the upload is done')
    .option('--timeout <seconds>', 'stop waiting after this long (the submission keeps running)')
    .option('--poll-interval <seconds>', 'seconds between status checks while waiting', '2')
    .addHelpText(
      'after',
      `
The folder is zipped without .git, __pycache__, .venv and *.pyc. Exits 0 when the submission is
SCORED, 4 when it ends FAILED, REJECTED or CANCELLED (the reason and message are printed).

Examples:
  podium submit examples/tissuenet/baseline --challenge tissuenet --phase learning
  podium submit model/ --phase learning --no-wait --json
  podium submit big-weights.zip --phase final --multipart
  podium submit model/ --phase learning --note "ResNet-50, 5 folds, seed 3"`,
    )
    .action(async (source: string, options: SubmitOptions, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const phaseId = await phaseOnPlatform(cli, challengeId, options.phase);
      const pollMs = Number(options.pollInterval) * 1000;
      if (!(pollMs > 0)) throw usageError('--poll-interval must be a positive number of seconds');
      const timeoutMs = options.timeout === undefined ? undefined : Number(options.timeout) * 1000;
      if (timeoutMs !== undefined && !(timeoutMs > 0)) throw usageError('--timeout must be a positive number of seconds');
      if (options.note !== undefined && options.note.length > MAX_NOTE_CHARS)
        throw usageError(`--note is ${options.note.length} characters; at most ${MAX_NOTE_CHARS} are kept`);

      const archive = await prepareArchive(source);
      try {
        if (archive.skipped.length) cli.out.note(`left out (symlinks are refused by the platform): ${archive.skipped.join(', ')}`);
        const multipart = Boolean(options.multipart) || archive.bytes > MULTIPART_THRESHOLD_BYTES;
        const fileCount = archive.files ? `${archive.files.length} ${archive.files.length === 1 ? 'file' : 'files'}, ` : '';
        cli.out.note(`${source}: ${fileCount}${formatBytes(archive.bytes)} zipped${multipart ? ', multipart upload' : ''}`);
        // One key per invocation: a retry after a lost connection gets the same submission, not a second one.
        const idempotencyKey = randomUUID();
        const create = () =>
          cli.api.read(
            cli.api.user.POST('/challenges/{challengeId}/phases/{phaseId}/submissions', {
              params: { path: { challengeId, phaseId }, header: { 'idempotency-key': idempotencyKey } },
              body: {
                mode: options.smoke ? 'smoke' : 'scored',
                archiveBytes: archive.bytes,
                multipart,
                ...(options.note !== undefined ? { note: options.note } : {}),
                ...(options.withOutputs ? { withOutputs: options.withOutputs } : {}),
              },
            }),
          );
        // A lost connection is tried once more; the idempotency key makes that safe.
        const created = await withRetries(create, {
          attempts: 2,
          delayMs: () => 1000,
          retryable: (error) => error instanceof CliError && error.code === 'API_UNREACHABLE',
        });
        // No upload: a replayed key whose archive is already in (the API signs uploads only while CREATED).
        const uploaded = created.upload
          ? await uploadArchive(cli.api, created.submission, created.upload, archive.path, archive.bytes, !cli.out.json)
          : created.submission;
        cli.out.line(`Submission ${created.submission.id} uploaded to ${challengeId}/${phaseId}${options.smoke ? ' (smoke run)' : ''}.`);
        if (!options.wait) {
          const submission = await cli.api.read(cli.api.user.GET('/submissions/{submissionId}', { params: { path: { submissionId: created.submission.id } } }));
          cli.out.result({ submission }, () => cli.out.line(`Follow it with: podium status ${submission.id}`));
          return;
        }
        cli.out.line('Waiting for the result (Ctrl-C stops waiting; the submission keeps running):');
        const { submission, states } = await waitForSubmission(cli.api, cli.out, uploaded, { pollMs, timeoutMs });
        const exitCode = reportOutcome(cli.out, submission, await scoreDisplayOf(cli.api, challengeId));
        if (cli.out.json) cli.out.result({ submission, states }, () => {});
        if (exitCode !== EXIT.ok) process.exitCode = exitCode;
      } finally {
        await archive.cleanup();
      }
    });
}
