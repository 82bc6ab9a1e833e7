import type { MetricAccumulator } from './metric.ts';
import { binaryTruth } from './binary-truth.ts';

/**
 * Binary cross-entropy, mean of −(y·log p + (1−y)·log(1−p)). The probability given to the true
 * class is clipped to [eps, 1 − eps], as scikit-learn's `log_loss(eps=…)` clips both columns, so
 * a confident wrong answer costs −log(eps) instead of infinity.
 */
export function logLoss(eps: number): MetricAccumulator {
  let total = 0;
  let count = 0;
  return {
    add(truth, prediction) {
      const p = prediction[0]!;
      const trueClassProbability = binaryTruth(truth[0]!) === 1 ? p : 1 - p;
      total -= Math.log(Math.min(Math.max(trueClassProbability, eps), 1 - eps));
      count++;
    },
    get count() {
      return count;
    },
    result: () => (count === 0 ? NaN : total / count),
  };
}
