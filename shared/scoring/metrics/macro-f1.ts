import { confusionMetric } from './confusion-matrix.ts';
import type { MetricAccumulator } from './metric.ts';

/**
 * Unweighted mean of the per-class F1 = 2·TP / (2·TP + FP + FN) over the classes seen in the truth
 * or the predictions (scikit-learn's `f1_score(average='macro')`, zero when undefined).
 */
export function macroF1(classOf: (row: ArrayLike<number>) => number): MetricAccumulator {
  return confusionMetric(classOf, (confusion) => {
    if (confusion.classes === 0) return NaN;
    let sum = 0;
    for (let k = 0; k < confusion.classes; k++) {
      const denominator = confusion.trueCount(k) + confusion.predictedCount(k);
      sum += denominator === 0 ? 0 : (2 * confusion.cell(k, k)) / denominator;
    }
    return sum / confusion.classes;
  });
}
