import { confusionMetric } from './confusion-matrix.ts';
import type { MetricAccumulator } from './metric.ts';

/**
 * Mean recall over the classes present in the truth (scikit-learn's `balanced_accuracy_score`:
 * a class that is only ever predicted does not count).
 */
export function balancedAccuracy(classOf: (row: ArrayLike<number>) => number): MetricAccumulator {
  return confusionMetric(classOf, (confusion) => {
    let recallSum = 0;
    let present = 0;
    for (let k = 0; k < confusion.classes; k++) {
      const support = confusion.trueCount(k);
      if (support === 0) continue;
      recallSum += confusion.cell(k, k) / support;
      present++;
    }
    return present === 0 ? NaN : recallSum / present;
  });
}
