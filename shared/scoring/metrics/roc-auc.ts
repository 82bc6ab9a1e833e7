import type { MetricAccumulator } from './metric.ts';
import { binaryTruth } from './binary-truth.ts';

/**
 * Area under the ROC curve for one probability column against 0/1 truth (scikit-learn 1.2's
 * `roc_auc_score`; undefined, NaN, when the rows hold one class only). Equal to the
 * probability that a random positive scores above a random negative, ties counting one half —
 * the same value as scikit-learn's trapezoidal `roc_auc_score` over distinct thresholds.
 * Keeps every score (two typed arrays), the one metric that needs all rows at the end.
 */
export function rocAuc(): MetricAccumulator {
  let positives = new Float64Array(1024);
  let negatives = new Float64Array(1024);
  let p = 0;
  let n = 0;
  const grow = (array: Float64Array) => {
    const next = new Float64Array(array.length * 2);
    next.set(array);
    return next;
  };
  return {
    add(truth, prediction) {
      if (binaryTruth(truth[0]!) === 1) {
        if (p === positives.length) positives = grow(positives);
        positives[p++] = prediction[0]!;
      } else {
        if (n === negatives.length) negatives = grow(negatives);
        negatives[n++] = prediction[0]!;
      }
    },
    get count() {
      return p + n;
    },
    result() {
      if (p === 0 || n === 0) return NaN;
      const pos = positives.subarray(0, p).sort();
      const neg = negatives.subarray(0, n).sort();
      // For each positive: negatives strictly below count 1, equal ones count 1/2.
      let below = 0;
      let upTo = 0;
      let wins = 0;
      for (let i = 0; i < p; i++) {
        const score = pos[i]!;
        while (below < n && neg[below]! < score) below++;
        if (upTo < below) upTo = below;
        while (upTo < n && neg[upTo]! <= score) upTo++;
        wins += below + (upTo - below) / 2;
      }
      return wins / (p * n);
    },
  };
}
