import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { cliContext } from '../cli-context.ts';
import { CliError, EXIT, formatBytes } from '../output.ts';

export function registerDownloadSubmission(program: Command): void {
  program
    .command('download-submission')
    .description("download one of your team's submitted archives, exactly as it was uploaded")
    .argument('<id>', 'submission id')
    .option('-o, --output <file>', 'where to save it (default: <id>.zip in the current folder)')
    .addHelpText('after', '\nExamples:\n  podium download-submission s-01HV6…\n  podium download-submission s-01HV6… -o best-so-far.zip')
    .action(async (id: string, options: { output?: string }, command: Command) => {
      const cli = await cliContext(command);
      const link = await cli.api.read(cli.api.user.GET('/submissions/{submissionId}/archive', { params: { path: { submissionId: id } } }));
      const target = resolve(options.output ?? link.fileName);
      const part = `${target}.part`;
      let response: Response;
      try {
        response = await fetch(link.url);
      } catch (error) {
        throw new CliError(
          'DOWNLOAD_FAILED',
          `cannot reach the storage URL (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`,
          {
            exitCode: EXIT.unreachable,
            hint: 'run the same command again',
          },
        );
      }
      if (!response.ok || !response.body)
        throw new CliError('DOWNLOAD_FAILED', `storage answered ${response.status}`, { hint: 'run the same command again: it asks for a fresh link' });
      try {
        await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(part));
        const bytes = (await stat(part)).size;
        if (link.bytes !== undefined && bytes !== link.bytes) {
          throw new CliError('DOWNLOAD_FAILED', `got ${bytes} bytes, the archive has ${link.bytes}`, { hint: 'run the same command again' });
        }
        await rename(part, target);
        cli.out.result({ submissionId: id, path: target, bytes }, () => cli.out.line(`Saved ${id} to ${target} (${formatBytes(bytes)}).`));
      } finally {
        await rm(part, { force: true });
      }
    });
}
