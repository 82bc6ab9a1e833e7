import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createOutput, CliError, shellWord, usageError } from '../output.ts';
import type { GlobalOptions } from '../cli-context.ts';

interface InitOptions {
  id?: string;
  title?: string;
  force?: boolean;
}

const IDENTIFIER = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('scaffold a challenge: challenge.yaml, pages, a tiny dataset and a stdlib-only baseline')
    .argument('<dir>', 'folder to create (must be empty or absent)')
    .option('--id <id>', 'challenge id (default: from the folder name)')
    .option('--title <title>', 'challenge title')
    .option('--force', 'write into a folder that is not empty')
    .addHelpText(
      'after',
      `
Examples:
  podium init lung-nodules
  podium init ./challenges/demo --id demo --title "Demo challenge"

Then: podium validate <dir> && podium test-submission <dir>/baseline --definition <dir> --phase main --data <dir>/data/smoke && podium upload-data <dir>`,
    )
    .action(async (dir: string, options: InitOptions, command: Command) => {
      const out = createOutput(Boolean(command.optsWithGlobals<GlobalOptions>().json));
      const root = resolve(dir);
      const id =
        options.id ??
        basename(root)
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, '-')
          .replace(/^-+|-+$/g, '');
      if (!IDENTIFIER.test(id)) {
        throw usageError(`challenge id "${id}" must be lowercase letters, digits and dashes, starting with a letter or digit`, 'pass --id <id>');
      }
      const existing = await readdir(root).catch(() => []);
      if (existing.length > 0 && !options.force) {
        throw new CliError('DIRECTORY_NOT_EMPTY', `${dir} already exists and is not empty`, { hint: 'pick a new folder, or pass --force to write into it' });
      }
      const files = scaffoldFiles(id, options.title ?? titleFrom(id), new Date());
      for (const [path, content] of Object.entries(files)) {
        await mkdir(join(root, path, '..'), { recursive: true });
        await writeFile(join(root, path), content);
      }
      const paths = Object.keys(files).sort();
      out.result({ challenge: id, dir: root, files: paths }, () => {
        out.line(`Created challenge "${id}" in ${dir}:`);
        for (const path of paths) out.line(`  ${path}`);
        out.line();
        out.line('Next:');
        const d = shellWord(dir);
        out.line(`  podium validate ${d}                 # check the definition and its data`);
        out.line(
          `  podium test-submission ${shellWord(join(dir, 'baseline'))} --definition ${d} --phase main --data ` +
            `${shellWord(join(dir, 'data', 'smoke'))}   # the baseline, in the sandbox`,
        );
        out.line(`  podium upload-data ${d}              # datasets to S3, challenge to the platform`);
      });
    });
}

const titleFrom = (id: string): string =>
  id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');

/** A deterministic generator, so a scaffold is the same on every machine. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  id: string;
  x1: number;
  x2: number;
  positive: number;
}

/** Two features; a case is positive mostly when x1 exceeds x2, so the baseline scores well above chance. */
function makeCases(prefix: string, count: number, seed: number): Case[] {
  const random = seeded(seed);
  return Array.from({ length: count }, (_, index) => {
    const x1 = Number((random() * 2).toFixed(3));
    const x2 = Number((random() * 2).toFixed(3));
    const noisy = random() < 0.15;
    return { id: `${prefix}-${String(index).padStart(3, '0')}`, x1, x2, positive: x1 > x2 !== noisy ? 1 : 0 };
  });
}

const csv = (rows: (string | number)[][]): string => rows.map((row) => row.join(',')).join('\n') + '\n';

function evaluationFiles(folder: string, cases: Case[], split: boolean): Record<string, string> {
  return {
    [`data/${folder}/inputs/features.csv`]: csv([['case_id', 'x1', 'x2'], ...cases.map((c) => [c.id, c.x1, c.x2])]),
    [`data/${folder}/inputs/submission_format.csv`]: csv([['case_id', 'positive'], ...cases.map((c) => [c.id, 0.5])]),
    [`data/${folder}/labels.csv`]: csv([
      ['case_id', 'positive', ...(split ? ['usage'] : [])],
      ...cases.map((c, index) => [c.id, c.positive, ...(split ? [index % 2 === 0 ? 'public' : 'private'] : [])]),
    ]),
  };
}

export function scaffoldFiles(id: string, title: string, now: Date): Record<string, string> {
  const opens = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString().replace('.000Z', 'Z');
  const closes = new Date(Date.parse(opens) + 365 * 24 * 3600 * 1000).toISOString().replace('.000Z', 'Z');
  const train = makeCases('train', 40, 1);
  return {
    'challenge.yaml': `# ${title}: a Podium challenge. Reference: docs/ in the Podium repository.
id: ${id}
title: ${JSON.stringify(title)}
# Markdown pages: overview and rules are required; data, evaluation and submissionFormat head
# the web app's tabs of the same names (at most 64 KiB each).
pages:
  overview: pages/overview.md
  data: pages/data.md
  evaluation: pages/evaluation.md
  submissionFormat: pages/submission-format.md
  rules: pages/rules.md
scorePrecision: 4

# submission.csv: one row per case_id of data/submission_format.csv, with a probability.
submissionFormat:
  idColumn: case_id
  columns:
    - { name: positive, type: probability, min: 0, max: 1 }

metric:
  kind: log-loss
  eps: 1.0e-15

# Each dataset is a folder under data/ (see podium upload-data --help).
datasets:
  - { id: train, kind: training, title: Training cases with labels }
  - { id: smoke, kind: smoke, title: A few cases shaped like the test set }
  - { id: test, kind: hidden, title: Test set, splitColumn: usage }

phases:
  - id: main
    title: Main phase
    opens: "${opens}"
    closes: "${closes}"
    dataset: test
    smokeDataset: smoke
    quota: { perDay: 5, concurrent: 1, countFailed: false }
    leaderboard: public
    runtime:
      # Podium's CPU runtime (\`podium runtime\` lists its packages); podium/pytorch-gpu:1 with gpus: 1,
      # or your own image: { dockerfile: runtime/Dockerfile } or { uri: <registry>/<repo>:<tag> }.
      image: podium/cpu:1
      timeLimitSeconds: 600
      memoryMiB: 2048
      dataMount: data
      outputFile: submission.csv
      maxArchiveMiB: 256

teams:
  maxSize: 3

registration:
  approval: auto
  # Asked on joining; kinds: text, country, select (with options), accept (a tick). Organisers see
  # the answers in the console and in participants.csv.
  questions:
    - { id: affiliation, label: "Affiliation (university, hospital or company)", kind: text, required: false }
`,
    'pages/data.md': `# Data

- \`train\`: \`train.csv\` with \`case_id,x1,x2,positive\` (1: a positive case).
- \`smoke\`: a few cases laid out like the test set, for \`podium test-submission\`.
- \`test\`: hidden; your code reads \`features.csv\` and \`submission_format.csv\` in \`data/\`.
`,
    'pages/evaluation.md': `# Evaluation

Log loss of the predicted probabilities (clipped to [1e-15, 1 − 1e-15]):

    log loss = −(1/N) Σᵢ [ yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ) ]

Lower is better.
`,
    'pages/submission-format.md': `# Submission format

\`submission.zip\` holds \`main.py\` at its root; it writes \`submission.csv\` next to itself:

\`\`\`csv
case_id,positive
test-000,0.73
test-001,0.12
\`\`\`
`,
    'pages/overview.md': `# ${title}

Predict, for each case in \`data/features.csv\`, the probability that it is positive.

Your \`submission.zip\` holds a \`main.py\` at its root. It runs with the test data in \`data/\` next
to it (read-only, no network) and writes \`submission.csv\` with the columns \`case_id,positive\`,
one row per row of \`data/submission_format.csv\`. Scored by log loss (lower is better).
`,
    'pages/rules.md': `# Rules of ${title}

1. One account per person; teams of at most 3.
2. At most 5 scored submissions per team per UTC day.
3. Do not try to obtain the test labels or reach the network from your code.
4. The public leaderboard scores part of the test set; the private leaderboard, published after
   the phase closes, scores the rest and decides the final ranking. It ranks each team by the best
   private score among the submissions the team selected (\`podium select <submission>\`, at most
   2, until the phase closes); a team that selected none is ranked by its 2 best submissions by
   public score (the earlier one on a tie).
`,
    'baseline/main.py': `"""Baseline for ${title}: a fixed logistic rule on x1 - x2. Standard library only."""
import csv
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def main() -> None:
    with open(DATA / "features.csv", newline="") as f:
        features = {row["case_id"]: (float(row["x1"]), float(row["x2"])) for row in csv.DictReader(f)}
    with open(DATA / "submission_format.csv", newline="") as f:
        case_ids = [row["case_id"] for row in csv.DictReader(f)]
    with open(HERE / "submission.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["case_id", "positive"])
        for case_id in case_ids:
            x1, x2 = features[case_id]
            writer.writerow([case_id, f"{1 / (1 + math.exp(-4 * (x1 - x2))):.6f}"])
    print(f"wrote {len(case_ids)} predictions")


if __name__ == "__main__":
    main()
`,
    'data/train/train.csv': csv([['case_id', 'x1', 'x2', 'positive'], ...train.map((c) => [c.id, c.x1, c.x2, c.positive])]),
    ...evaluationFiles('smoke', makeCases('smoke', 6, 2), false),
    ...evaluationFiles('test', makeCases('test', 30, 3), true),
  };
}
