import type { BuiltInMetric, BuiltInSecondaryMetric, DatasetDefinition, Metric, SecondaryMetric, SubmissionFormat } from '../challenge/definition-schema.ts';
import { PodiumError } from '../errors.ts';
import type { CsvSource } from './csv-stream.ts';
import { readLabelsTable, SPLIT_NONE, SPLIT_PRIVATE, SPLIT_PUBLIC } from './labels-table.ts';
import { mergeOrdered } from './ordered-merge.ts';
import { createMetricAccumulator, type MetricAccumulator } from './metrics/index.ts';
import { checkPredictionsFile, type PredictionsInvalid } from './validate-predictions.ts';

/** What the scorer needs from a challenge: the format, the metric, and the scored dataset's split column. */
export interface ScoringRules {
  format: SubmissionFormat;
  metric: Metric;
  /** Named scores computed beside the primary one (the challenge's `secondaryMetrics`). */
  secondaryMetrics?: readonly SecondaryMetric[];
  dataset: Pick<DatasetDefinition, 'id' | 'splitColumn'>;
}

export interface SplitScore {
  /** Score over every row. */
  overall: number;
  /** Present when the dataset has a split column (and the split has rows). */
  public?: number;
  private?: number;
}

export interface SplitScores extends SplitScore {
  /** Each secondary metric's scores, by its name; absent when the challenge names none. */
  secondary?: Record<string, SplitScore>;
}

export type ScoreOutcome = { ok: true; scores: SplitScores; rows: number } | PredictionsInvalid;

/**
 * What the platform's own pass computes: the built-in metrics among the primary and secondary
 * ones. A scoring program's scores are not among them (`primary` is then absent).
 */
export type BuiltInScoreOutcome = { ok: true; primary?: SplitScore; secondary?: Record<string, SplitScore>; rows: number } | PredictionsInvalid;

/** A source, or a function opening it afresh: reopenable sources let the scorer try its ordered fast path first. */
export type ReopenableSource = CsvSource | (() => CsvSource | Promise<CsvSource>);

const open = async (source: ReopenableSource): Promise<CsvSource> => (typeof source === 'function' ? source() : source);

function metricAccumulators(metric: BuiltInMetric, format: SubmissionFormat, split: boolean, label: string) {
  const overall = createMetricAccumulator(metric, format);
  const bySplit: (MetricAccumulator | undefined)[] = [];
  if (split) {
    bySplit[SPLIT_PUBLIC] = createMetricAccumulator(metric, format);
    bySplit[SPLIT_PRIVATE] = createMetricAccumulator(metric, format);
  }
  const add = (truth: Float64Array, prediction: Float64Array, rowSplit: number) => {
    overall.add(truth, prediction);
    if (rowSplit !== SPLIT_NONE) bySplit[rowSplit]!.add(truth, prediction);
  };
  const scores = (): SplitScore => {
    const result: SplitScore = { overall: finite(overall, 'all rows', label) };
    if (split) {
      if (bySplit[SPLIT_PUBLIC]!.count > 0) result.public = finite(bySplit[SPLIT_PUBLIC]!, 'the public rows', label);
      if (bySplit[SPLIT_PRIVATE]!.count > 0) result.private = finite(bySplit[SPLIT_PRIVATE]!, 'the private rows', label);
    }
    return result;
  };
  return { add, scores };
}

/** The built-in primary metric's accumulators and each built-in secondary metric's, fed the same rows. */
function accumulators(rules: ScoringRules, split: boolean) {
  const primary = rules.metric.kind === 'program' ? undefined : metricAccumulators(rules.metric, rules.format, split, 'the metric');
  const builtIn = (rules.secondaryMetrics ?? []).filter((metric): metric is BuiltInSecondaryMetric => metric.kind !== 'program');
  const secondary = builtIn.map((metric) => [metric.name, metricAccumulators(metric, rules.format, split, `the "${metric.name}" score`)] as const);
  const add = (truth: Float64Array, prediction: Float64Array, rowSplit: number) => {
    primary?.add(truth, prediction, rowSplit);
    for (const [, each] of secondary) each.add(truth, prediction, rowSplit);
  };
  const scores = () => ({
    ...(primary ? { primary: primary.scores() } : {}),
    ...(secondary.length > 0 ? { secondary: Object.fromEntries(secondary.map(([name, each]) => [name, each.scores()])) } : {}),
  });
  return { add, scores };
}

/**
 * Scores a predictions file against a labels file: validates the predictions (ids must be exactly
 * the labels' ids), joins the rows by id — row order is irrelevant — and computes the metric over
 * all rows and, where the dataset has a split column, over its public and private rows.
 * Invalid predictions come back as `{ ok: false, … }`; unusable labels throw LABELS_INVALID.
 *
 * With reopenable sources, files listing the same ids in the same ascending order are merged in
 * lockstep (memory flat in rows); anything else is joined through an index of the labels' ids.
 *
 * @example
 * const outcome = await scorePredictions(rules, () => createReadStream('submission.csv'), () => createReadStream('labels.csv'));
 */
export async function scorePredictions(rules: ScoringRules, predictions: ReopenableSource, labels: ReopenableSource): Promise<ScoreOutcome> {
  if (rules.metric.kind === 'program') {
    throw new PodiumError('INTERNAL', 'a scoring program is run by scorePredictionFiles (score-prediction-files.ts), not scorePredictions');
  }
  const outcome = await scoreBuiltInMetrics(rules, predictions, labels);
  if (!outcome.ok) return outcome;
  const { primary, secondary, rows } = outcome;
  return { ok: true, scores: { ...primary!, ...(secondary ? { secondary } : {}) }, rows };
}

/**
 * Validates the predictions against the labels and computes the built-in metrics among the
 * primary and secondary ones (none, for a program-only challenge: then it is validation alone).
 */
export async function scoreBuiltInMetrics(rules: ScoringRules, predictions: ReopenableSource, labels: ReopenableSource): Promise<BuiltInScoreOutcome> {
  const split = Boolean(rules.dataset.splitColumn);
  if (typeof predictions === 'function' && typeof labels === 'function') {
    const merged = accumulators(rules, split);
    const rows = await mergeOrdered(rules.format, rules.dataset.splitColumn, await predictions(), await labels(), merged.add);
    if (rows !== undefined && rows > 0) return { ok: true, ...merged.scores(), rows };
  }
  return scoreIndexed(rules, await open(predictions), await open(labels));
}

/** The general path: labels indexed by id, predictions streamed and looked up. */
async function scoreIndexed(rules: ScoringRules, predictions: CsvSource, labels: CsvSource): Promise<BuiltInScoreOutcome> {
  const table = await readLabelsTable(labels, rules.format, rules.dataset);
  const columns = table.columns;
  const joined = accumulators(rules, table.split !== undefined);
  const truth = new Float64Array(columns);
  const { truth: packed, split } = table;
  const validation = await checkPredictionsFile(predictions, rules.format, table.ids, {
    onRow(slot, values) {
      const base = slot * columns;
      for (let c = 0; c < columns; c++) truth[c] = packed[base + c]!;
      joined.add(truth, values, split ? split[slot]! : SPLIT_NONE);
    },
  });
  if (!validation.ok) return validation;
  return { ok: true, ...joined.scores(), rows: validation.rows };
}

function finite(accumulator: MetricAccumulator, rows: string, label: string): number {
  const value = accumulator.result();
  if (!Number.isFinite(value)) {
    throw new PodiumError('LABELS_INVALID', `${label} is undefined on ${rows} of the labels (for ROC AUC: both classes must be present)`);
  }
  return value;
}
