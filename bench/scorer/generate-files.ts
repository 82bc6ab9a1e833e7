import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../examples/lib/synthetic.ts';

/** The scorer benchmark's files: TissueNet-shaped (one-hot, cost matrix) or VisioMel-shaped (probability, log loss). */
export type MetricKind = 'cost-matrix' | 'log-loss';

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

/**
 * Writes labels, predictions in the same order, and the same predictions shuffled into `dir`;
 * seeded, so a profile run (`generate-files.ts <dir> <metric> <rows>`) sees the benchmark's files.
 */
export async function generate(dir: string, metric: MetricKind, rows: number) {
  const random = seededRandom(rows + (metric === 'cost-matrix' ? 1 : 2));
  const id = (i: number) => `slide_${String(i).padStart(7, '0')}.tif`;
  const usage = (i: number) => (i % 3 === 0 ? 'public' : 'private');
  const oneHot = (k: number) => [0, 1, 2, 3].map((c) => (c === k ? '1' : '0')).join(',');
  const truth = Uint8Array.from({ length: rows }, () => Math.floor(random() * 4));
  const predicted = Float64Array.from({ length: rows }, (_, i) =>
    metric === 'cost-matrix' ? (random() < 0.6 ? truth[i]! : Math.floor(random() * 4)) : random(),
  );
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const prefix = join(dir, `${metric}-${rows}`);
  const files = { labels: `${prefix}-labels.csv`, ordered: `${prefix}-ordered.csv`, shuffled: `${prefix}-shuffled.csv` };
  const predictionLine = (i: number) => (metric === 'cost-matrix' ? `${id(i)},${oneHot(predicted[i]!)}` : `${id(i)},${predicted[i]!.toPrecision(6)}`);
  const header = metric === 'cost-matrix' ? 'filename,0,1,2,3' : 'filename,relapse';
  await writeLines(files.labels, `${header},usage`, rows, (i) =>
    metric === 'cost-matrix' ? `${id(i)},${oneHot(truth[i]!)},${usage(i)}` : `${id(i)},${truth[i]! % 2},${usage(i)}`,
  );
  await writeLines(files.ordered, header, rows, predictionLine);
  await writeLines(files.shuffled, header, rows, (i) => predictionLine(order[i]!));
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, metric, rows] = process.argv.slice(2) as [string, MetricKind, string];
  console.log(JSON.stringify(await generate(dir, metric, Number(rows))));
}
