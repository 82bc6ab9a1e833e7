/**
 * An order-preserving string for a score, so that a DynamoDB index sorted ascending lists the best
 * entry first. IEEE-754 bits of a double sort like the numbers once positives have their sign bit
 * flipped and negatives have every bit flipped; inverting all bits reverses the order for metrics
 * where higher is better. The submission time follows, so the earlier submission wins a tie.
 */
export function rankSortKey(score: number, higherIsBetter: boolean, submittedAt: string): string {
  if (!Number.isFinite(score)) throw new RangeError(`score must be finite, got ${score}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, score === 0 ? 0 : score); // -0 and 0 rank the same
  let high = view.getUint32(0);
  let low = view.getUint32(4);
  if (high & 0x80000000) {
    high = ~high >>> 0;
    low = ~low >>> 0;
  } else {
    high = (high | 0x80000000) >>> 0;
  }
  if (higherIsBetter) {
    high = ~high >>> 0;
    low = ~low >>> 0;
  }
  const hex = high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
  return `${hex}#${submittedAt}`;
}
