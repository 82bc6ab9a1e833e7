import type { MetricAccumulator } from './metric.ts';

/** Share of rows whose predicted class is the true class. */
export function accuracy(classOf: (row: ArrayLike<number>) => number): MetricAccumulator {
  let correct = 0;
  let count = 0;
  return {
    add(truth, prediction) {
      if (classOf(truth) === classOf(prediction)) correct++;
      count++;
    },
    get count() {
      return count;
    },
    result: () => (count === 0 ? NaN : correct / count),
  };
}
