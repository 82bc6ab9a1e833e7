import type { MetricAccumulator } from './metric.ts';

/** Root mean squared error per column, averaged over columns (scikit-learn's `uniform_average`). */
export function rmse(columns: number): MetricAccumulator {
  const squares = new Float64Array(columns);
  let count = 0;
  return {
    add(truth, prediction) {
      for (let c = 0; c < columns; c++) {
        const error = prediction[c]! - truth[c]!;
        squares[c]! += error * error;
      }
      count++;
    },
    get count() {
      return count;
    },
    result() {
      if (count === 0) return NaN;
      let sum = 0;
      for (let c = 0; c < columns; c++) sum += Math.sqrt(squares[c]! / count);
      return sum / columns;
    },
  };
}
