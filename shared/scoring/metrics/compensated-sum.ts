/**
 * A running sum with Neumaier's compensation: its error does not grow with the number of terms,
 * so a streamed mean stays within an ulp or two of numpy's pairwise sum on millions of rows
 * (a plain `+=` drifts by up to n·ε and can differ from scikit-learn past 1e-12).
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    const next = this.sum + value;
    this.compensation += Math.abs(this.sum) >= Math.abs(value) ? this.sum - next + value : value - next + this.sum;
    this.sum = next;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}
