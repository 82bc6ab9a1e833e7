import { CompensatedSum } from './compensated-sum.ts';
import type { MetricAccumulator } from './metric.ts';

/** Mean absolute error per column, averaged over columns (scikit-learn's `mean_absolute_error`, `uniform_average`). */
export function mae(columns: number): MetricAccumulator {
  const sums = Array.from({ length: columns }, () => new CompensatedSum());
  let count = 0;
  return {
    add(truth, prediction) {
      for (let c = 0; c < columns; c++) sums[c]!.add(Math.abs(prediction[c]! - truth[c]!));
      count++;
    },
    get count() {
      return count;
    },
    result() {
      if (count === 0) return NaN;
      let sum = 0;
      for (let c = 0; c < columns; c++) sum += sums[c]!.value / count;
      return sum / columns;
    },
  };
}
