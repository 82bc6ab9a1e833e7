import type { SubmissionFormat } from '../../challenge/definition-schema.ts';

/**
 * How a row names a class, for classification metrics: one-hot rows by the column set to 1; a
 * single column by its value (a category's index, or the integer itself); several score columns
 * by the highest score (the first on a tie).
 */
export function classDecoder(format: SubmissionFormat): (row: ArrayLike<number>) => number {
  const columns = format.columns.length;
  if (columns === 1) return (row) => row[0]!;
  if (format.oneHot) {
    return (row) => {
      for (let c = 0; c < columns; c++) if (row[c] === 1) return c;
      return -1;
    };
  }
  return (row) => {
    let best = 0;
    for (let c = 1; c < columns; c++) if (row[c]! > row[best]!) best = c;
    return best;
  };
}
