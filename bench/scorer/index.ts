import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, type MetricKind } from './generate-files.ts';

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

interface Measurement {
  seconds: number;
  peakRssMiB: number;
  rows: number;
  scores: Record<string, number>;
}

function measure(command: string, args: string[]): Measurement {
  const output = execFileSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
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
