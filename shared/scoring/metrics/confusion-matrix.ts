import type { MetricAccumulator } from './metric.ts';

/** Counts of (true class, predicted class) pairs over whatever class values appear. */
export class ConfusionMatrix {
  private readonly indexOf = new Map<number, number>();
  private readonly cells: number[][] = [];
  count = 0;

  add(truth: number, predicted: number): void {
    const t = this.classIndex(truth);
    const p = this.classIndex(predicted);
    this.cells[t]![p]!++;
    this.count++;
  }

  /** Number of distinct classes seen, as truth or prediction. */
  get classes(): number {
    return this.cells.length;
  }

  cell(truth: number, predicted: number): number {
    return this.cells[truth]![predicted]!;
  }

  /** Rows whose true class is `k` (by class index). */
  trueCount(k: number): number {
    return this.cells[k]!.reduce((sum, value) => sum + value, 0);
  }

  predictedCount(k: number): number {
    return this.cells.reduce((sum, row) => sum + row[k]!, 0);
  }

  private classIndex(value: number): number {
    let index = this.indexOf.get(value);
    if (index === undefined) {
      index = this.cells.length;
      this.indexOf.set(value, index);
      for (const row of this.cells) row.push(0);
      this.cells.push(new Array<number>(index + 1).fill(0));
    }
    return index;
  }
}

/** A metric scored from the confusion matrix of the classes `classOf` reads off each row. */
export function confusionMetric(classOf: (row: ArrayLike<number>) => number, score: (confusion: ConfusionMatrix) => number): MetricAccumulator {
  const confusion = new ConfusionMatrix();
  return {
    add: (truth, prediction) => confusion.add(classOf(truth), classOf(prediction)),
    get count() {
      return confusion.count;
    },
    result: () => score(confusion),
  };
}
