import { CompensatedSum } from './compensated-sum.ts';
import type { MetricAccumulator } from './metric.ts';

/**
 * Root mean squared error per column, averaged over columns: scikit-learn 1.2's
 * `mean_squared_error(squared=False)` (`root_mean_squared_error` from 1.4), `uniform_average`.
 */
export function rmse(columns: number): MetricAccumulator {
  const squares = Array.from({ length: columns }, () => new CompensatedSum());
  let count = 0;
  return {
    add(truth, prediction) {
      for (let c = 0; c < columns; c++) {
        const error = prediction[c]! - truth[c]!;
        squares[c]!.add(error * error);
      }
      count++;
    },
    get count() {
      return count;
    },
    result() {
      if (count === 0) return NaN;
      let sum = 0;
      for (let c = 0; c < columns; c++) sum += Math.sqrt(squares[c]!.value / count);
      return sum / columns;
    },
  };
}
