import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { fileChecksums } from '#shared/datasets/file-checksums.ts';
import { hiddenManifestJson } from '#shared/datasets/dataset-layout.ts';
import { loadChallengeForCli } from '../challenge-files.ts';
import { cliContext, seg } from '../cli-context.ts';
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
    .description('organisers: publish datasets as open data (files, checksummed manifest, data card, final leaderboard) into a folder ready for any host')
    .argument('<dir>', 'challenge folder holding challenge.yaml')
    .requiredOption('--card <file>', 'data card (YAML): description, licence, citation, anonymisation, title?')
    .requiredOption('-o, --out <folder>', 'where to write the release (must not exist yet)')
    .option('--datasets <ids>', 'comma-separated dataset ids (default: every dataset of the challenge)')
    .option('--data <dataRoot>', 'the data root you uploaded from, one folder per dataset id (default: <dir>/data)')
    .addHelpText(
      'after',
      `
The platform refuses (and nothing is written) while any phase using the data has not closed; each
release is recorded in the audit log with the SHA-256 of its manifest. A hidden dataset's
<id>/manifest.json is byte for byte the manifest score receipts name (hiddenData.manifestSha256).

Examples:
  podium release-data examples/tissuenet --datasets train,final --card data-card.yaml -o release/`,
    )
    .action(async (dir: string, options: { card: string; out: string; datasets?: string; data?: string }, command: Command) => {
      const cli = await cliContext(command);
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
      const out = resolve(options.out);
      if (existsSync(out)) throw usageError(`${out} already exists; choose a new folder for the release`);

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

      // The platform decides first: refused while a phase using the data is open, and nothing is written.
      const release = await cli.api.post<{ releaseId: string; releasedAt: string }>(`/admin/challenges/${seg(challenge.id)}/data-releases`, {
        datasets,
        destination: out,
        files: files.length,
        manifestSha256,
      });

      // Written next to its destination, then renamed: an interrupted release leaves no half folder at --out.
      const staging = `${out}.partial-${release.releaseId}`;
      try {
        for (const file of files) {
          const target = join(staging, file.datasetId, file.path);
          await mkdir(dirname(target), { recursive: true });
          await copyFile(file.source, target);
        }
        for (const id of datasets) {
          const dataset = challenge.datasets.find((candidate) => candidate.id === id)!;
          const own = files.filter((file) => file.datasetId === id);
          if (dataset.kind === 'hidden') await writeFile(join(staging, id, 'manifest.json'), hiddenManifestJson(challenge.id, id, own));
        }
        await writeFile(join(staging, 'manifest.json'), manifestText);
        await writeFile(join(staging, 'SHA256SUMS'), files.map((file) => `${file.sha256}  ${file.datasetId}/${file.path}\n`).join(''));
        await writeFile(join(staging, 'DATA-CARD.md'), dataCardMarkdown(challenge, card, datasets));
        const finalPhase = challenge.phases.at(-1)!;
        const split = challenge.datasets.find((dataset) => dataset.id === finalPhase.dataset)?.splitColumn ? 'private' : 'public';
        const board = await cli.api.fetchRaw('GET', `/admin/challenges/${seg(challenge.id)}/exports/leaderboard.csv`, {
          query: { phase: finalPhase.id, split },
        });
        await writeFile(join(staging, `leaderboard-${finalPhase.id}.csv`), await board.text());
        await rename(staging, out);
      } catch (error) {
        await rm(staging, { recursive: true, force: true });
        throw error;
      }
      const summary = { releaseId: release.releaseId, path: out, datasets, files: files.length, manifestSha256 };
      cli.out.result(summary, () => {
        cli.out.line(`Released ${datasets.join(', ')} of ${challenge.id} to ${out}: ${files.length} files, manifest sha256 ${manifestSha256}.`);
        cli.out.line(`Check it with: (cd ${out} && sha256sum -c SHA256SUMS)`);
      });
    });
}
