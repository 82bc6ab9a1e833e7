import { createHash } from 'node:crypto';
import { existsSync, openAsBlob } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { fileChecksums } from '#shared/datasets/file-checksums.ts';
import { hiddenManifestJson } from '#shared/datasets/dataset-layout.ts';
import { mapWithConcurrency } from '#shared/concurrency.ts';
import { loadChallengeForCli } from '../challenge-files.ts';
import { cliContext } from '../cli-context.ts';
import { CliError, usageError } from '../output.ts';

/** What the organiser writes about the data: every field is required, so no release goes out without them. */
const dataCardSchema = z
  .object({
    title: z.string().min(1).optional(),
    description: z.string().min(1),
    licence: z.string().min(1),
    citation: z.string().min(1),
    anonymisation: z.string().min(1).meta({ description: 'how the data were anonymised, in the organiser’s words' }),
  })
  .strict();
type DataCard = z.infer<typeof dataCardSchema>;

/** One object of the release: a dataset file (copied from `source`) or a file the release writes (`body`). */
interface ReleaseObject {
  path: string;
  bytes: number;
  sha256: string;
  source?: string;
  body?: Buffer;
}

const written = (path: string, text: string): ReleaseObject => {
  const body = Buffer.from(text);
  return { path, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), body };
};

interface ReleasedFile {
  datasetId: string;
  path: string;
  bytes: number;
  sha256: string;
  source: string;
}

async function readCard(path: string): Promise<DataCard> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(resolve(path), 'utf8'));
  } catch (error) {
    throw new CliError('DATA_CARD_INVALID', `cannot read the data card ${path} (${(error as Error).message})`);
  }
  const parsed = dataCardSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CliError(
      'DATA_CARD_INVALID',
      `the data card ${path} is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
      {
        hint: 'it needs description, licence, citation and anonymisation (title is optional)',
      },
    );
  }
  return parsed.data;
}

/** The files of one dataset that the platform holds: training as they are; smoke and hidden: inputs/** and labels.csv. */
async function datasetFiles(challenge: Challenge, dataRoot: string, datasetId: string): Promise<ReleasedFile[]> {
  const dataset = challenge.datasets.find((candidate) => candidate.id === datasetId)!;
  const folder = join(dataRoot, datasetId);
  if (!existsSync(folder))
    throw new CliError('DATA_MISSING', `dataset "${datasetId}" has no folder ${folder}`, { hint: 'pass --data <the data root you uploaded from>' });
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => dataset.kind === 'training' || path === 'labels.csv' || path.startsWith('inputs/'))
    .sort();
  const files: ReleasedFile[] = [];
  for (const path of paths) {
    const source = join(folder, path);
    const { sha256 } = await fileChecksums(source);
    files.push({ datasetId, path, bytes: (await stat(source)).size, sha256, source });
  }
  return files;
}

function dataCardMarkdown(challenge: Challenge, card: DataCard, datasets: string[]): string {
  return [
    `# ${card.title ?? `${challenge.title}: open data`}`,
    '',
    card.description.trim(),
    '',
    `Datasets: ${datasets.join(', ')}. Every file's SHA-256 is in \`manifest.json\` and \`SHA256SUMS\` (\`sha256sum -c SHA256SUMS\`).`,
    '',
    '## Licence',
    '',
    card.licence.trim(),
    '',
    '## Citation',
    '',
    card.citation.trim(),
    '',
    '## Anonymisation',
    '',
    card.anonymisation.trim(),
    '',
  ].join('\n');
}

export function registerReleaseData(program: Command): void {
  program
    .command('release-data')
    .description('organisers: publish datasets as open data (files, checksummed manifest, data card, final board) to a folder or the open-data bucket')
    .argument('<dir>', 'challenge folder holding challenge.yaml')
    .requiredOption('--card <file>', 'data card (YAML): description, licence, citation, anonymisation, title?')
    .option('-o, --out <folder>', 'write the release to this folder (must not exist yet)')
    .option('--open-data', "upload the release to this Podium's open-data bucket instead, under <challenge>/<releaseId>/")
    .option('--datasets <ids>', 'comma-separated dataset ids (default: every dataset of the challenge)')
    .option('--data <dataRoot>', 'the data root you uploaded from, one folder per dataset id (default: <dir>/data)')
    .addHelpText(
      'after',
      `
The platform refuses (and nothing is written) while any phase using the data has not closed; each
release is recorded in the audit log with the SHA-256 of its manifest. A hidden dataset's
<id>/manifest.json is byte for byte the manifest score receipts name (hiddenData.manifestSha256).
With --open-data, each file goes up through a URL the API signs for its SHA-256 (S3 refuses other
bytes), manifest.json last; the bucket stays private until the organiser opens it (docs/DEPLOY.md).

Examples:
  podium release-data examples/tissuenet --datasets train,final --card data-card.yaml -o release/
  podium release-data examples/tissuenet --datasets train,final --card data-card.yaml --open-data`,
    )
    .action(async (dir: string, options: { card: string; out?: string; openData?: boolean; datasets?: string; data?: string }, command: Command) => {
      const cli = await cliContext(command);
      if (Boolean(options.out) === Boolean(options.openData)) throw usageError('give one destination: -o <folder> or --open-data');
      const challenge = await loadChallengeForCli(resolve(dir));
      const card = await readCard(options.card);
      const datasets = options.datasets
        ? [
            ...new Set(
              options.datasets
                .split(',')
                .map((id) => id.trim())
                .filter(Boolean),
            ),
          ]
        : challenge.datasets.map((dataset) => dataset.id);
      const unknown = datasets.filter((id) => !challenge.datasets.some((dataset) => dataset.id === id));
      if (unknown.length > 0)
        throw usageError(`unknown dataset(s) ${unknown.join(', ')}; ${challenge.id} has ${challenge.datasets.map((d) => d.id).join(', ')}`);
      const out = options.out ? resolve(options.out) : undefined;
      if (out && existsSync(out)) throw usageError(`${out} already exists; choose a new folder for the release`);

      const dataRoot = resolve(options.data ?? join(dir, 'data'));
      const files = (await Promise.all(datasets.map((id) => datasetFiles(challenge, dataRoot, id)))).flat();
      const manifest = {
        format: 'podium-data-release/1',
        challengeId: challenge.id,
        datasets: datasets.map((id) => {
          const dataset = challenge.datasets.find((candidate) => candidate.id === id)!;
          return {
            id,
            kind: dataset.kind,
            title: dataset.title,
            files: files.filter((file) => file.datasetId === id).map(({ path, bytes, sha256 }) => ({ path, bytes, sha256 })),
          };
        }),
      };
      const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
      const manifestSha256 = createHash('sha256').update(manifestText).digest('hex');

      // Everything the release holds, the same for a folder and the bucket; manifest.json last, so a
      // reader who finds it finds every file it lists.
      const finalPhase = challenge.phases.at(-1)!;
      const split = challenge.datasets.find((dataset) => dataset.id === finalPhase.dataset)?.splitColumn ? 'private' : 'public';
      const board = await cli.api.read(
        cli.api.user.GET('/admin/challenges/{challengeId}/exports/{export}', {
          params: { path: { challengeId: challenge.id, export: 'leaderboard.csv' }, query: { phase: finalPhase.id, split } },
          parseAs: 'text',
        }),
      );
      const objects: ReleaseObject[] = [
        ...files.map(({ datasetId, path, bytes, sha256, source }) => ({ path: `${datasetId}/${path}`, bytes, sha256, source })),
        ...datasets
          .filter((id) => challenge.datasets.find((candidate) => candidate.id === id)!.kind === 'hidden')
          .map((id) =>
            written(
              `${id}/manifest.json`,
              hiddenManifestJson(
                challenge.id,
                id,
                files.filter((file) => file.datasetId === id),
              ),
            ),
          ),
        written('SHA256SUMS', files.map((file) => `${file.sha256}  ${file.datasetId}/${file.path}\n`).join('')),
        written('DATA-CARD.md', dataCardMarkdown(challenge, card, datasets)),
        written(`leaderboard-${finalPhase.id}.csv`, board),
        written('manifest.json', manifestText),
      ];

      // The platform decides first: refused while a phase using the data is open, and nothing is written.
      const target = out ? { destination: out } : { openData: objects.map(({ path, bytes, sha256 }) => ({ path, bytes, sha256 })) };
      const release = await cli.api.read(
        cli.api.user.POST('/admin/challenges/{challengeId}/data-releases', {
          params: { path: { challengeId: challenge.id } },
          body: { datasets, files: files.length, manifestSha256, ...target },
        }),
      );
      if (out) await writeReleaseFolder(out, release.releaseId, objects);
      else await uploadRelease(objects, release.uploads ?? []);

      const summary = { releaseId: release.releaseId, path: release.destination, datasets, files: files.length, manifestSha256 };
      cli.out.result(summary, () => {
        cli.out.line(`Released ${datasets.join(', ')} of ${challenge.id} to ${release.destination}: ${files.length} files, manifest sha256 ${manifestSha256}.`);
        if (out) cli.out.line(`Check it with: (cd ${out} && sha256sum -c SHA256SUMS)`);
      });
    });
}

/** Written next to its destination, then renamed: an interrupted release leaves no half folder at `out`. */
async function writeReleaseFolder(out: string, releaseId: string, objects: readonly ReleaseObject[]): Promise<void> {
  const staging = `${out}.partial-${releaseId}`;
  try {
    for (const object of objects) {
      const target = join(staging, object.path);
      await mkdir(dirname(target), { recursive: true });
      if (object.source) await copyFile(object.source, target);
      else await writeFile(target, object.body!);
    }
    await rename(staging, out);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Each object through its signed PUT, a few at a time; manifest.json only once every other object is in. */
async function uploadRelease(objects: readonly ReleaseObject[], uploads: readonly { path: string; url: string; headers: Record<string, string> }[]) {
  const byPath = new Map(uploads.map((upload) => [upload.path, upload]));
  const put = async (object: ReleaseObject, signal?: AbortSignal) => {
    const upload = byPath.get(object.path);
    if (!upload) throw new CliError('RELEASE_UPLOAD_FAILED', `the platform signed no upload for ${object.path}`);
    const body = object.source ? await openAsBlob(object.source) : new Blob([object.body!]);
    const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body, ...(signal ? { signal } : {}) });
    if (!response.ok) {
      throw new CliError('RELEASE_UPLOAD_FAILED', `uploading ${object.path} failed: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`, {
        hint: 'run release-data again: it records a new release under a new prefix',
      });
    }
  };
  const last = objects.filter((object) => object.path === 'manifest.json');
  await mapWithConcurrency(
    objects.filter((object) => object.path !== 'manifest.json'),
    4,
    (object, _index, signal) => put(object, signal),
  );
  for (const object of last) await put(object);
}
