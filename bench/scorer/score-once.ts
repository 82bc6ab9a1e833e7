import { createReadStream } from 'node:fs';
import { submissionFormatSchema, type Metric } from '#shared/challenge/definition-schema.ts';
import { scorePredictions } from '#shared/scoring/score-predictions.ts';

/**
 * Podium's scorer on one pair of files, timed in-process (process start and module loading
 * excluded, as for the pandas reference). Usage: score-once.ts <metric> <predictions.csv> <labels.csv>
 */
const [metricKind, predictionsPath, labelsPath] = process.argv.slice(2) as [string, string, string];
const tissuenet = metricKind === 'cost-matrix';
const format = submissionFormatSchema.parse(
  tissuenet
    ? { idColumn: 'filename', oneHot: true, columns: ['0', '1', '2', '3'].map((name) => ({ name, type: 'binary' })) }
    : { idColumn: 'filename', columns: [{ name: 'relapse', type: 'probability' }] },
);
const metric: Metric = tissuenet
  ? {
      kind: 'cost-matrix',
      matrix: [
        [0, 0.1, 0.7, 1],
        [0.1, 0, 0.3, 0.7],
        [0.7, 0.3, 0, 0.3],
        [1, 0.7, 0.3, 0],
      ],
    }
  : { kind: 'log-loss', eps: 1e-16 };
const open = (path: string) => () => createReadStream(path, { highWaterMark: 1 << 20 });

const start = performance.now();
const outcome = await scorePredictions({ format, metric, dataset: { id: 'bench', splitColumn: 'usage' } }, open(predictionsPath), open(labelsPath));
const seconds = (performance.now() - start) / 1000;
if (!outcome.ok) throw new Error(outcome.message);
console.log(JSON.stringify({ seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, rows: outcome.rows, scores: outcome.scores }));
