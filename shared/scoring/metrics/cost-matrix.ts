import { CompensatedSum } from './compensated-sum.ts';
import type { MetricAccumulator } from './metric.ts';

/**
 * TissueNet's metric: 1 − mean cost[true][predicted], the classes being the one-hot columns in
 * format order. Errors far from the true class cost more than near misses. No scikit-learn metric;
 * equal to 1 − sum(confusion_matrix(labels=range(k)) ∘ cost) / n (test/scoring/sklearn-reference.py).
 */
export function costMatrixScore(matrix: readonly (readonly number[])[]): MetricAccumulator {
  const classes = matrix.length;
  const flat = Float64Array.from(matrix.flat());
  const classOf = (row: ArrayLike<number>) => {
    for (let c = 0; c < classes; c++) if (row[c] === 1) return c;
    throw new RangeError('a one-hot row has no column set to 1');
  };
  const total = new CompensatedSum();
  let count = 0;
  return {
    add(truth, prediction) {
      total.add(flat[classOf(truth) * classes + classOf(prediction)]!);
      count++;
    },
    get count() {
      return count;
    },
    result: () => (count === 0 ? NaN : 1 - total.value / count),
  };
}
