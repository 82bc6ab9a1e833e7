/** A secondary score that breaks ties of the primary one, with its own direction. */
export interface TieBreaker {
  score: number;
  higherIsBetter: boolean;
}

/**
 * An order-preserving string for a score, so that a DynamoDB index sorted ascending lists the best
 * entry first. IEEE-754 bits of a double sort like the numbers once positives have their sign bit
 * flipped and negatives have every bit flipped; inverting all bits reverses the order for metrics
 * where higher is better. The secondary scores follow, each encoded the same way in its own
 * direction, then the submission time, so ties go to the better secondary scores in order, then
 * to the earlier submission. Every part has a fixed width, so keys compare part by part.
 *
 * @example rankSortKey(0.9, true, '2026-06-01T12:00:00.000Z', [{ score: 0.1, higherIsBetter: false }])
 */
export function rankSortKey(score: number, higherIsBetter: boolean, submittedAt: string, tieBreakers: readonly TieBreaker[] = []): string {
  return `${rankPrefix(score, higherIsBetter, tieBreakers)}#${submittedAt}`;
}

/** The key without the submission time: entries with equal prefixes are tied and share a rank. */
export function rankPrefix(score: number, higherIsBetter: boolean, tieBreakers: readonly TieBreaker[] = []): string {
  return [orderedHex(score, higherIsBetter), ...tieBreakers.map((tie) => orderedHex(tie.score, tie.higherIsBetter))].join('#');
}

function orderedHex(score: number, higherIsBetter: boolean): string {
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
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
