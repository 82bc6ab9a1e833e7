/**
 * A metric computed in one streaming pass: rows are added as they are read, the score comes at
 * the end. Truth and prediction rows are decoded by the row checker (category values become their
 * index in the allowed list), in `submissionFormat.columns` order.
 */
export interface MetricAccumulator {
  add(truth: ArrayLike<number>, prediction: ArrayLike<number>): void;
  /** Rows added. */
  readonly count: number;
  /** The score over the rows added; NaN when the metric is undefined on them (no rows, one class only). */
  result(): number;
}
