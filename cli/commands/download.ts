import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { mapWithConcurrency } from '#shared/concurrency.ts';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { CliError, EXIT, formatBytes, usageError } from '../output.ts';
import { createProgressBar, type ProgressBar } from '../progress.ts';
import type { ApiSchema } from '../../api-client/podium-api.ts';

type DatasetFile = ApiSchema<'DatasetFiles'>['files'][number];

interface DownloadOptions {
  out?: string;
  concurrency: string;
}

interface FileOutcome {
  dataset: string;
  path: string;
  bytes: number;
  outcome: 'downloaded' | 'resumed' | 'unchanged';
}

export const defaultDataDir = (challengeId: string): string => join('podium-data', challengeId);

export function registerDownload(program: Command): void {
  program
    .command('download')
    .description('download training and smoke data: parallel, resumable (.part files), every file checked against its SHA-256')
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .argument('[dataset]', 'one dataset id (default: every downloadable dataset)')
    .option('-o, --out <dir>', 'where to put <dataset>/<files> (default: podium-data/<challenge>)')
    .option('--concurrency <n>', 'files downloaded at once', '4')
    .addHelpText(
      'after',
      `
Run it again after an interruption: finished files whose checksum matches are skipped, and
partial files (*.part) resume where they stopped.

Examples:
  podium download tissuenet                 # -> podium-data/tissuenet/{train,smoke}/...
  podium download tissuenet smoke -o ./data`,
    )
    .action(
      async (
        challengeArgument: string | undefined,
        secondArgument: string | undefined,
        options: DownloadOptions & { challenge?: string },
        command: Command,
      ) => {
        const {
          challenge: givenChallenge,
          rest: [datasetId],
        } = challengeAndRest([challengeArgument, secondArgument], options.challenge);
        const cli = await cliContext(command);
        const challengeId = cli.challengeOr(givenChallenge);
        const concurrency = Number(options.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw usageError('--concurrency must be a whole number from 1 to 32');
        const outDir = options.out ?? defaultDataDir(challengeId);
        let datasetIds: string[];
        if (datasetId) datasetIds = [datasetId];
        else {
          const challenge = await cli.api.read(cli.api.anyone.GET('/challenges/{challengeId}', { params: { path: { challengeId } } }));
          datasetIds = challenge.datasets.filter((dataset) => dataset.downloadable).map((dataset) => dataset.id);
        }
        const jobs: { dataset: string; file: DatasetFile; target: string }[] = [];
        for (const id of datasetIds) {
          const { files } = await cli.api.read(
            cli.api.user.GET('/challenges/{challengeId}/datasets/{datasetId}', { params: { path: { challengeId, datasetId: id } } }),
          );
          const root = resolve(outDir, id);
          for (const file of files) jobs.push({ dataset: id, file, target: safeTarget(root, file.path) });
        }
        const totalBytes = jobs.reduce((sum, job) => sum + job.file.bytes, 0);
        const bar = createProgressBar({ label: `downloading ${challengeId}`, totalBytes, enabled: !cli.out.json });
        const outcomes: FileOutcome[] = [];
        await mapWithConcurrency(jobs, concurrency, async (job) => {
          const outcome = await downloadFile(job.file, job.target, bar);
          outcomes.push({ dataset: job.dataset, path: job.file.path, bytes: job.file.bytes, outcome });
          if (outcome !== 'downloaded') bar.log(`  ${outcome === 'unchanged' ? '=' : '~'} ${job.dataset}/${job.file.path} (${outcome})`);
        });
        bar.done();
        const count = (kind: FileOutcome['outcome']) => outcomes.filter((o) => o.outcome === kind).length;
        const summary = {
          challenge: challengeId,
          out: resolve(outDir),
          datasets: datasetIds,
          downloaded: count('downloaded'),
          resumed: count('resumed'),
          unchanged: count('unchanged'),
          bytes: totalBytes,
          files: outcomes,
        };
        cli.out.result(summary, () => {
          cli.out.line(
            `✓ ${jobs.length} files (${formatBytes(totalBytes)}) in ${outDir}: ${summary.downloaded} downloaded, ${summary.resumed} resumed, ` +
              `${summary.unchanged} already up to date; all checksums match.`,
          );
        });
      },
    );
}

/** The file's place under the dataset folder; a path that would land elsewhere is refused, not fixed. */
function safeTarget(root: string, path: string): string {
  const target = resolve(root, path);
  // eslint-disable-next-line no-control-regex
  if (!path || path.startsWith('/') || path.includes('\\') || /[\u0000-\u001f]/.test(path) || !target.startsWith(root + sep)) {
    throw new CliError('UNSAFE_PATH', `the API listed a file with an unsafe path (${JSON.stringify(path)}); nothing was written for it`);
  }
  return target;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function downloadFile(file: DatasetFile, target: string, bar: ProgressBar): Promise<FileOutcome['outcome']> {
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isFile() && existing.size === file.bytes && (await sha256Of(target)) === file.sha256) {
    bar.advance(file.bytes);
    return 'unchanged';
  }
  await mkdir(dirname(target), { recursive: true });
  const part = `${target}.part`;
  let offset = (await stat(part).catch(() => undefined))?.size ?? 0;
  if (offset > file.bytes) {
    await rm(part);
    offset = 0;
  }
  const hash = createHash('sha256');
  if (offset > 0) for await (const chunk of createReadStream(part)) hash.update(chunk as Buffer);
  const response = offset < file.bytes ? await get(file, offset) : undefined;
  // A server that ignores Range sends the whole file: start over rather than append a duplicate.
  if (response && offset > 0 && response.status !== 206) {
    offset = 0;
    hash.destroy();
    return restart(file, target, bar, response);
  }
  bar.advance(offset);
  const handle = await open(part, offset > 0 ? 'a' : 'w');
  try {
    if (response?.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        await handle.write(chunk);
        bar.advance(chunk.byteLength);
      }
    }
  } finally {
    await handle.close();
  }
  const digest = hash.digest('hex');
  if (digest !== file.sha256) {
    await rm(part, { force: true });
    if (offset > 0) return restart(file, target, bar, await get(file, 0));
    throw new CliError('CHECKSUM_MISMATCH', `${file.path}: downloaded bytes do not match the published SHA-256; the partial file was removed`, {
      hint: 'run the same command again',
    });
  }
  await rename(part, target);
  return offset > 0 ? 'resumed' : 'downloaded';
}

/** Downloads the whole file again (a stale or corrupt .part, or no Range support). */
async function restart(file: DatasetFile, target: string, bar: ProgressBar, response: Response): Promise<FileOutcome['outcome']> {
  const part = `${target}.part`;
  const hash = createHash('sha256');
  const handle = await open(part, 'w');
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      await handle.write(chunk);
      bar.advance(chunk.byteLength);
    }
  } finally {
    await handle.close();
  }
  if (hash.digest('hex') !== file.sha256) {
    await rm(part, { force: true });
    throw new CliError('CHECKSUM_MISMATCH', `${file.path}: downloaded bytes do not match the published SHA-256; the partial file was removed`, {
      hint: 'run the same command again',
    });
  }
  await rename(part, target);
  bar.log(`  ! ${file.path}: partial file was stale, downloaded again`);
  return 'downloaded';
}

async function get(file: DatasetFile, offset: number): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(file.url, offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {});
  } catch (error) {
    throw new CliError(
      'DOWNLOAD_FAILED',
      `${file.path}: cannot reach the storage URL (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`,
      {
        exitCode: EXIT.unreachable,
        hint: 'run the same command again to resume',
      },
    );
  }
  if (response.status === 416) return new Response(null, { status: 206 });
  if (!response.ok) {
    const expired = response.status === 403 && Date.parse(file.expiresAt) <= Date.now();
    throw new CliError('DOWNLOAD_FAILED', `${file.path}: storage answered ${response.status}${expired ? ' (the download link expired)' : ''}`, {
      hint: 'run the same command again: it asks for fresh links and resumes',
    });
  }
  return response;
}
