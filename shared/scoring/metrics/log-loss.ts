import type { MetricAccumulator } from './metric.ts';
import { binaryTruth } from './binary-truth.ts';
import { CompensatedSum } from './compensated-sum.ts';

/**
 * Binary cross-entropy, exactly as scikit-learn 1.2's `log_loss(y, p, eps=eps, labels=[0, 1])`:
 * p is clipped to [eps, 1 − eps] first, the two class probabilities are then 1 − p and p,
 * renormalised by their (floating-point) sum, and the loss is the mean of −log(probability of the
 * true class). Clipping p rather than the true class's probability matters: 1 − (1 − 1e-15) is
 * not 1e-15 in floating point, so a confident miss on a negative row costs −log(9.99e-16).
 */
export function logLoss(eps: number): MetricAccumulator {
  const total = new CompensatedSum();
  let count = 0;
  return {
    add(truth, prediction) {
      const positive = Math.min(Math.max(prediction[0]!, eps), 1 - eps);
      const negative = 1 - positive;
      const trueClass = binaryTruth(truth[0]!) === 1 ? positive : negative;
      total.add(-Math.log(trueClass / (negative + positive)));
      count++;
    },
    get count() {
      return count;
    },
    result: () => (count === 0 ? NaN : total.value / count),
  };
}
