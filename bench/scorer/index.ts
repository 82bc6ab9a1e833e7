import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../examples/lib/synthetic.ts';

/**
 * Scorer throughput and peak memory next to a pandas/numpy reference on the same files, in the
 * same run: TissueNet's cost matrix and VisioMel's log loss, at 250k and 1M rows, with the
 * predictions in the labels' order (the ordered fast path) and shuffled (the indexed join).
 * Each measurement is its own process; the median of `--repeat` runs (default 3) is reported.
 * Files are generated into a temporary folder and removed afterwards.
 */
const here = dirname(fileURLToPath(import.meta.url));
const repeat = Number(process.argv.find((arg) => arg.startsWith('--repeat='))?.split('=')[1] ?? 3);
const python = process.env.PODIUM_BENCH_PYTHON ?? '/usr/bin/python3';

type MetricKind = 'cost-matrix' | 'log-loss';
interface Measurement {
  seconds: number;
  peakRssMiB: number;
  rows: number;
  scores: Record<string, number>;
}

async function writeLines(path: string, header: string, count: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  out.write(header + '\n');
  let buffer = '';
  for (let i = 0; i < count; i++) {
    buffer += line(i) + '\n';
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.end(buffer);
  await new Promise<void>((resolve, reject) => out.on('finish', () => resolve()).on('error', reject));
}

/** Labels, predictions in the same order, and the same predictions shuffled. */
async function generate(dir: string, metric: MetricKind, rows: number) {
  const random = seededRandom(rows + (metric === 'cost-matrix' ? 1 : 2));
  const id = (i: number) => `slide_${String(i).padStart(7, '0')}.tif`;
  const usage = (i: number) => (i % 3 === 0 ? 'public' : 'private');
  const oneHot = (k: number) => [0, 1, 2, 3].map((c) => (c === k ? '1' : '0')).join(',');
  const truth = Uint8Array.from({ length: rows }, () => Math.floor(random() * 4));
  const predicted = Float64Array.from({ length: rows }, (_, i) => (metric === 'cost-matrix' ? (random() < 0.6 ? truth[i]! : Math.floor(random() * 4)) : random()));
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const prefix = join(dir, `${metric}-${rows}`);
  const files = { labels: `${prefix}-labels.csv`, ordered: `${prefix}-ordered.csv`, shuffled: `${prefix}-shuffled.csv` };
  const predictionLine = (i: number) =>
    metric === 'cost-matrix' ? `${id(i)},${oneHot(predicted[i]!)}` : `${id(i)},${predicted[i]!.toPrecision(6)}`;
  const header = metric === 'cost-matrix' ? 'filename,0,1,2,3' : 'filename,relapse';
  await writeLines(files.labels, `${header},usage`, rows, (i) =>
    metric === 'cost-matrix' ? `${id(i)},${oneHot(truth[i]!)},${usage(i)}` : `${id(i)},${truth[i]! % 2},${usage(i)}`,
  );
  await writeLines(files.ordered, header, rows, predictionLine);
  await writeLines(files.shuffled, header, rows, (i) => predictionLine(order[i]!));
  return files;
}

function measure(command: string, args: string[]): Measurement {
  const output = execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  return JSON.parse(output.trim().split('\n').pop()!) as Measurement;
}

function median(runs: Measurement[]): Measurement {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  return { ...sorted[Math.floor(sorted.length / 2)]!, peakRssMiB: Math.max(...runs.map((run) => run.peakRssMiB)) };
}

const podium = (metric: MetricKind, predictions: string, labels: string) =>
  measure(process.execPath, ['--import', 'tsx', join(here, 'score-once.ts'), metric, predictions, labels]);
const pandas = (metric: MetricKind, predictions: string, labels: string) => measure(python, [join(here, 'pandas_score.py'), metric, predictions, labels]);

const dir = await mkdtemp(join(tmpdir(), 'podium-bench-scorer-'));
const rowsOut: Record<string, string | number>[] = [];
try {
  for (const metric of ['cost-matrix', 'log-loss'] as const) {
    for (const rows of [10, 250_000, 1_000_000]) {
      const files = await generate(dir, metric, rows);
      for (const order of ['ordered', 'shuffled'] as const) {
        if (rows === 10 && order === 'shuffled') continue;
        const node = median(Array.from({ length: repeat }, () => podium(metric, files[order], files.labels)));
        const reference = median(Array.from({ length: repeat }, () => pandas(metric, files[order], files.labels)));
        for (const split of Object.keys(reference.scores)) {
          if (Math.abs(reference.scores[split]! - node.scores[split]!) > 1e-9) {
            throw new Error(`${metric} ${rows} ${order}: ${split} score ${node.scores[split]} differs from pandas ${reference.scores[split]}`);
          }
        }
        rowsOut.push({
          metric,
          rows,
          order,
          podiumSeconds: Number(node.seconds.toFixed(3)),
          pandasSeconds: Number(reference.seconds.toFixed(3)),
          speedup: Number((reference.seconds / node.seconds).toFixed(2)),
          podiumPeakRssMiB: Math.round(node.peakRssMiB),
          pandasPeakRssMiB: Math.round(reference.peakRssMiB),
        });
        console.log(JSON.stringify(rowsOut.at(-1)));
      }
      await Promise.all(Object.values(files).map((file) => rm(file, { force: true })));
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.table(rowsOut);
const resultsDir = join(here, '..', 'results');
await mkdir(resultsDir, { recursive: true });
await writeFile(join(resultsDir, 'scorer.json'), JSON.stringify({ at: new Date().toISOString(), repeat, results: rowsOut }, null, 2));
