import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { submissionFormatSchema, type BuiltInMetric as Metric, type SubmissionFormat } from '#shared/challenge/definition-schema.ts';
import { PodiumError } from '#shared/errors.ts';
import { createMetricAccumulator } from '#shared/scoring/metrics/index.ts';

/**
 * Every built-in metric against the value scikit-learn itself computes on the same rows
 * (test/scoring/sklearn-reference.py, run with Debian's python3 and python3-sklearn 1.2.1; see
 * scripts/setup-system.sh). The cases are rows the predictions validator accepts: hand-picked
 * extremes (probabilities of exactly 0 and 1, ties, one row, one class) and seeded random ones.
 * Agreement is to 1e-12, relative for values above 1.
 */

const PYTHON = '/usr/bin/python3';
const REFERENCE = fileURLToPath(new URL('./sklearn-reference.py', import.meta.url));
const TOLERANCE = 1e-12;
const VISIOMEL_EPS = 1e-16;
const FLOAT64_EPS = 2.220446049250313e-16;

type Rows = number[][];
interface MetricCase {
  name: string;
  metric: Metric;
  format: SubmissionFormat;
  truth: Rows;
  predicted: Rows;
}
type Reference = { value: number | string } | { undefined: string };

const format = (columns: { name: string; type: 'probability' | 'binary' | 'integer' | 'float' | 'category'; values?: string[] }[], oneHot = false) =>
  submissionFormatSchema.parse({ idColumn: 'id', oneHot, columns });
const PROBABILITY = format([{ name: 'p', type: 'probability' }]);
const INTEGER = format([{ name: 'y', type: 'integer' }]);
const CATEGORY = format([{ name: 'y', type: 'category', values: ['benign', 'atypia', 'malignant'] }]);
const oneHot = (classes: number) =>
  format(
    Array.from({ length: classes }, (_, c) => ({ name: `c${c}`, type: 'binary' as const })),
    true,
  );
const floats = (columns: number) => format(Array.from({ length: columns }, (_, c) => ({ name: `v${c}`, type: 'float' as const })));
const TISSUENET_COSTS = [
  [0, 0.1, 0.7, 1],
  [0.1, 0, 0.3, 0.7],
  [0.7, 0.3, 0, 0.3],
  [1, 0.7, 0.3, 0],
];

/** mulberry32: a small seeded generator, so the random cases are the same on every run. */
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (below: number) => Math.floor(next() * below), pick: <T>(values: readonly T[]) => values[Math.floor(next() * values.length)]! };
}

const column = (values: number[]): Rows => values.map((value) => [value]);
const oneHotRows = (classes: number, labels: number[]): Rows => labels.map((k) => Array.from({ length: classes }, (_, c) => (c === k ? 1 : 0)));

function classificationCases(): MetricCase[] {
  const cases: MetricCase[] = [];
  const kinds: Metric[] = [{ kind: 'accuracy' }, { kind: 'balanced-accuracy' }, { kind: 'macro-f1' }];
  const fixed: [string, SubmissionFormat, Rows, Rows][] = [
    ['ten rows, every kind of miss', INTEGER, column([0, 1, 2, 3, 2, 1, 0, 3, 3, 2]), column([0, 2, 2, 3, 1, 1, 0, 0, 3, 3])],
    ['a class only ever predicted', INTEGER, column([0, 0, 1, 1]), column([0, 2, 1, 1])],
    ['a class never predicted', INTEGER, column([0, 1, 2, 2]), column([0, 0, 0, 0])],
    ['one row, right', INTEGER, column([3]), column([3])],
    ['one row, wrong', INTEGER, column([3]), column([-1])],
    ['one class in the truth, all right', CATEGORY, column([2, 2, 2]), column([2, 2, 2])],
    ['one class in the truth, all wrong', CATEGORY, column([2, 2, 2]), column([0, 1, 0])],
    ['one-hot rows', oneHot(4), oneHotRows(4, [0, 1, 2, 3, 2, 1, 0, 3, 3, 2]), oneHotRows(4, [0, 2, 2, 3, 1, 1, 0, 0, 3, 3])],
    [
      'score columns with ties (first highest wins)',
      floats(3),
      [
        [0.2, 0.2, 0.1],
        [0, 0, 0],
        [1, 3, 3],
        [0.5, 0.1, 0.4],
      ],
      [
        [0.1, 0.1, 0.1],
        [0.3, 0.3, 0.4],
        [2, 2, 1],
        [0.2, 0.9, 0.9],
      ],
    ],
  ];
  for (const metric of kinds) {
    for (const [name, rowsFormat, truth, predicted] of fixed) cases.push({ name: `${metric.kind}: ${name}`, metric, format: rowsFormat, truth, predicted });
  }
  const random = seeded(13);
  for (let i = 0; i < 30; i++) {
    const classes = random.pick([1, 2, 3, 5]);
    const rows = random.pick([1, 2, 3, 7, 40, 600]);
    const skew = random.next();
    const label = () => (random.next() < skew ? 0 : random.int(classes));
    const layout = random.pick(['integer', 'one-hot', 'scores'] as const);
    const truthLabels = Array.from({ length: rows }, label);
    const predictedLabels = truthLabels.map((k) => (random.next() < 0.6 ? k : label()));
    let rowsFormat: SubmissionFormat = INTEGER;
    let truth = column(truthLabels);
    let predicted = column(predictedLabels);
    if (layout === 'one-hot') {
      rowsFormat = oneHot(Math.max(classes, 2));
      truth = oneHotRows(Math.max(classes, 2), truthLabels);
      predicted = oneHotRows(Math.max(classes, 2), predictedLabels);
    } else if (layout === 'scores') {
      rowsFormat = floats(Math.max(classes, 2));
      const scores = () => Array.from({ length: Math.max(classes, 2) }, () => Math.round(random.next() * 4) / 4);
      truth = truthLabels.map(scores);
      predicted = predictedLabels.map(scores);
    }
    cases.push({ name: `random ${i}: ${rows} rows, ${classes} classes, ${layout}`, metric: kinds[i % 3]!, format: rowsFormat, truth, predicted });
  }
  return cases;
}

function costMatrixCases(): MetricCase[] {
  const random = seeded(7);
  const cases: MetricCase[] = [
    {
      name: 'TissueNet, ten rows',
      metric: { kind: 'cost-matrix', matrix: TISSUENET_COSTS },
      format: oneHot(4),
      truth: oneHotRows(4, [0, 1, 2, 3, 2, 1, 0, 3, 3, 2]),
      predicted: oneHotRows(4, [0, 2, 2, 3, 1, 1, 0, 0, 3, 3]),
    },
    {
      name: 'TissueNet, one row, worst miss',
      metric: { kind: 'cost-matrix', matrix: TISSUENET_COSTS },
      format: oneHot(4),
      truth: oneHotRows(4, [3]),
      predicted: oneHotRows(4, [0]),
    },
  ];
  for (let i = 0; i < 10; i++) {
    const classes = random.pick([2, 3, 4, 6]);
    const matrix = Array.from({ length: classes }, (_, t) => Array.from({ length: classes }, (_, p) => (t === p ? 0 : Math.round(random.next() * 1000) / 997)));
    const rows = random.pick([1, 5, 300]);
    const truth = Array.from({ length: rows }, () => random.int(classes));
    const predicted = truth.map((k) => (random.next() < 0.5 ? k : random.int(classes)));
    cases.push({
      name: `random ${i}: ${rows} rows, ${classes} classes`,
      metric: { kind: 'cost-matrix', matrix },
      format: oneHot(classes),
      truth: oneHotRows(classes, truth),
      predicted: oneHotRows(classes, predicted),
    });
  }
  return cases;
}

function probabilityCases(): MetricCase[] {
  const cases: MetricCase[] = [];
  const fixed: [string, number[], number[]][] = [
    ["scikit-learn's documented example", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]],
    ['scores tied across classes', [0, 0, 1, 1, 0, 1, 0, 1, 1, 0], [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.4, 0.65, 0.05]],
    ['exactly 0 and 1, all right', [0, 1, 0, 1], [0, 1, 0, 1]],
    ['exactly 0 and 1, all wrong', [0, 1, 0, 1], [1, 0, 1, 0]],
    ['exactly 0 and 1, mixed', [1, 0, 1, 1, 0], [0, 1, 0.5, 1, 0]],
    ['every score equal', [0, 1, 1, 0, 1], [0.5, 0.5, 0.5, 0.5, 0.5]],
    ['one row', [1], [0]],
    ['one class only, positives', [1, 1, 1], [0.2, 1, 0]],
    ['one class only, negatives', [0, 0], [0, 0.7]],
    ['within eps of the bounds', [1, 0, 1, 0], [1e-17, 1 - 1e-16, 1e-15, 0.9999999999999999]],
  ];
  const random = seeded(42);
  const randomRows: [string, number[], number[]][] = [];
  for (let i = 0; i < 12; i++) {
    const rows = random.pick([2, 3, 25, 1000, 5000]);
    const prevalence = random.pick([0.02, 0.3, 0.5, 0.9]);
    const decimals = random.pick([1, 2, 17]);
    const truth = Array.from({ length: rows }, () => (random.next() < prevalence ? 1 : 0));
    const scale = 10 ** decimals;
    const scores = truth.map((y) => {
      const extreme = random.next();
      if (extreme < 0.05) return 0;
      if (extreme < 0.1) return 1;
      const raw = Math.min(1, Math.max(0, random.next() * 0.7 + y * 0.3));
      return decimals === 17 ? raw : Math.round(raw * scale) / scale;
    });
    randomRows.push([`random ${i}: ${rows} rows, prevalence ${prevalence}, ${decimals} decimals`, truth, scores]);
  }
  for (const [name, truth, scores] of [...fixed, ...randomRows]) {
    cases.push({ name: `roc-auc: ${name}`, metric: { kind: 'roc-auc' }, format: PROBABILITY, truth: column(truth), predicted: column(scores) });
    for (const eps of [1e-15, VISIOMEL_EPS, FLOAT64_EPS, 1e-7, 0.5]) {
      cases.push({
        name: `log-loss eps ${eps}: ${name}`,
        metric: { kind: 'log-loss', eps },
        format: PROBABILITY,
        truth: column(truth),
        predicted: column(scores),
      });
    }
  }
  return cases;
}

function regressionCases(): MetricCase[] {
  const cases: MetricCase[] = [];
  const fixed: [string, Rows, Rows][] = [
    ["scikit-learn's documented example", column([3, -0.5, 2, 7]), column([2.5, 0, 2, 8])],
    [
      "scikit-learn's two-output example",
      [
        [0.5, 1],
        [-1, 1],
        [7, -6],
      ],
      [
        [0, 2],
        [-1, 2],
        [8, -5],
      ],
    ],
    ['one row', column([1e6]), column([-2.5e6])],
    ['perfect', [[1, 2, 3]], [[1, 2, 3]]],
    ['large and tiny magnitudes', column([1e150, 1e-300, -1e150]), column([-1e150, 0, 1e150])],
  ];
  const random = seeded(99);
  for (let i = 0; i < 12; i++) {
    const columns = random.pick([1, 2, 3]);
    const rows = random.pick([1, 2, 50, 4000]);
    const magnitude = random.pick([1, 1e-6, 1e9]);
    const truth = Array.from({ length: rows }, () => Array.from({ length: columns }, () => (random.next() - 0.3) * magnitude));
    const predicted = truth.map((row) => row.map((value) => value + (random.next() - 0.5) * magnitude * random.pick([0, 0.01, 1, 10])));
    fixed.push([`random ${i}: ${rows} rows, ${columns} columns, magnitude ${magnitude}`, truth, predicted]);
  }
  for (const [name, truth, predicted] of fixed) {
    for (const kind of ['rmse', 'mae'] as const) cases.push({ name: `${kind}: ${name}`, metric: { kind }, format: floats(truth[0]!.length), truth, predicted });
  }
  return cases;
}

function podiumScore(metricCase: MetricCase): number {
  const accumulator = createMetricAccumulator(metricCase.metric, metricCase.format);
  metricCase.truth.forEach((row, i) => accumulator.add(Float64Array.from(row), Float64Array.from(metricCase.predicted[i]!)));
  return accumulator.result();
}

function sklearnScores(cases: MetricCase[]): Reference[] {
  const input = JSON.stringify(cases.map(({ metric, truth, predicted }) => ({ ...metric, metric: metric.kind, truth, predicted })));
  const run = spawnSync(PYTHON, [REFERENCE], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) {
    throw new Error(`${REFERENCE} failed (is python3-sklearn installed? scripts/setup-system.sh installs it):\n${run.stderr}`);
  }
  return (JSON.parse(run.stdout) as { results: Reference[] }).results;
}

function expectAgreement(cases: MetricCase[]): void {
  const references = sklearnScores(cases);
  const disagreements: string[] = [];
  cases.forEach((metricCase, i) => {
    const reference = references[i]!;
    const ours = podiumScore(metricCase);
    if ('undefined' in reference) {
      if (!Number.isNaN(ours)) disagreements.push(`${metricCase.name}: scikit-learn says undefined (${reference.undefined}), Podium ${ours}`);
      return;
    }
    const expected = Number(reference.value);
    const agrees = Math.abs(ours - expected) <= TOLERANCE * Math.max(1, Math.abs(expected));
    if (!agrees) disagreements.push(`${metricCase.name}: scikit-learn ${expected}, Podium ${ours}`);
  });
  expect(disagreements).toEqual([]);
}

describe('built-in metrics agree with scikit-learn to 1e-12', () => {
  it('accuracy, balanced accuracy and macro-F1, on class columns, one-hot rows and score columns', () => {
    expectAgreement(classificationCases());
  });

  it("cost matrix, against scikit-learn's confusion matrix weighted by the costs", () => {
    expectAgreement(costMatrixCases());
  });

  it('ROC AUC and log loss (five eps values), with probabilities of exactly 0 and 1, ties and one-class splits', () => {
    expectAgreement(probabilityCases());
  });

  it('RMSE and MAE, one to three columns, averaged over columns', () => {
    expectAgreement(regressionCases());
  });

  it('ROC AUC is undefined on a one-class split, as scikit-learn says (it raises in 1.2)', () => {
    const [reference] = sklearnScores([
      { name: 'one class', metric: { kind: 'roc-auc' }, format: PROBABILITY, truth: column([1, 1]), predicted: column([0.2, 0.3]) },
    ]);
    expect(reference).toHaveProperty('undefined');
    expect(
      podiumScore({ name: 'one class', metric: { kind: 'roc-auc' }, format: PROBABILITY, truth: column([1, 1]), predicted: column([0.2, 0.3]) }),
    ).toBeNaN();
  });
});

describe('labels a binary metric cannot use', () => {
  it('ROC AUC and log loss refuse a label other than 0 or 1 as an organiser error', () => {
    for (const metric of [{ kind: 'log-loss', eps: 1e-15 }, { kind: 'roc-auc' }] as Metric[]) {
      expect(() => podiumScore({ name: 'bad label', metric, format: PROBABILITY, truth: column([0.5]), predicted: column([0.5]) })).toThrow(PodiumError);
    }
  });
});
