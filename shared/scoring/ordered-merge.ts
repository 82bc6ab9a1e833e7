import { CsvReader, recordText, type CsvBatch, type CsvSource } from './csv-stream.ts';
import { SPLIT_NONE, SPLIT_PRIVATE, SPLIT_PUBLIC } from './labels-table.ts';
import { RowValueChecker, isHeaderLayout, layoutHeader, type HeaderLayout } from './predictions-check.ts';
import type { SubmissionFormat } from '../challenge/definition-schema.ts';

/**
 * The scorer's fast path, with memory flat in the number of rows: when the predictions and the
 * labels list the same ids in the same strictly ascending byte order (as `submission_format.csv`
 * files usually are), the two files are read in lockstep and no id is indexed. Strictly ascending
 * ids are unique, so equal pairs prove every id is present exactly once.
 *
 * It only handles clean files: at the first thing it cannot vouch for (another order, a bad value
 * or row, an escaped id, bad labels) it gives up, and the caller rescores with the indexed join,
 * which produces the full validation report.
 */
export type MergeRow = (truth: Float64Array, prediction: Float64Array, split: number) => void;

const PUBLIC = Buffer.from('public');
const PRIVATE = Buffer.from('private');

interface Cursor {
  reader: CsvReader;
  batch: CsvBatch | undefined;
  record: number;
}

async function open(source: CsvSource): Promise<Cursor> {
  const reader = new CsvReader(source);
  return { reader, batch: await reader.next(), record: 0 };
}

/** Loads the next batch once the current one is used up; false at the end of the file. */
async function refill(cursor: Cursor): Promise<boolean> {
  cursor.batch = await cursor.reader.next();
  cursor.record = 0;
  return cursor.batch !== undefined;
}

function headerOf(cursor: Cursor): string[] {
  const batch = cursor.batch!;
  const header = recordText(batch, 0);
  return header;
}

function splitCode(bytes: Buffer, from: number, to: number): number {
  const length = to - from;
  const candidate = length === 6 ? PUBLIC : length === 7 ? PRIVATE : undefined;
  if (!candidate) return -1;
  for (let k = 0; k < length; k++) if (bytes[from + k] !== candidate[k]) return -1;
  return candidate === PUBLIC ? SPLIT_PUBLIC : SPLIT_PRIVATE;
}

/** Byte order of two ranges: negative, zero or positive. */
function compareRanges(a: Buffer, aFrom: number, aTo: number, b: Buffer, bFrom: number, bTo: number): number {
  const length = Math.min(aTo - aFrom, bTo - bFrom);
  for (let k = 0; k < length; k++) {
    const difference = a[aFrom + k]! - b[bFrom + k]!;
    if (difference !== 0) return difference;
  }
  return aTo - aFrom - (bTo - bFrom);
}

/**
 * Feeds every joined row to `onRow` and returns the number of rows, or undefined when the files
 * are not a clean ordered match (nothing should be kept from the rows fed so far).
 */
export async function mergeOrdered(
  format: SubmissionFormat,
  splitColumn: string | undefined,
  predictions: CsvSource,
  labels: CsvSource,
  onRow: MergeRow,
): Promise<number | undefined> {
  const left = await open(predictions);
  const right = await open(labels);
  try {
    if (!left.batch || !right.batch) return undefined;
    const predictionLayout = layoutHeader(headerOf(left), format);
    const labelsLayout = layoutHeader(headerOf(right), format, { allowExtra: true });
    if (!isHeaderLayout(predictionLayout) || !isHeaderLayout(labelsLayout)) return undefined;
    const splitPosition = splitColumn ? headerOf(right).indexOf(splitColumn) : -1;
    if (splitColumn && splitPosition < 0) return undefined;
    const checker = new RowValueChecker(format);
    const columns = format.columns.length;
    const prediction = new Float64Array(columns);
    const truth = new Float64Array(columns);
    let previous = Buffer.alloc(256);
    let previousLength = -1;
    let rows = 0;
    for (;;) {
      // Awaiting only at batch boundaries: a promise per row would cost more than the parsing.
      const more = ++left.record < left.batch!.count || (await refill(left));
      const moreLabels = ++right.record < right.batch!.count || (await refill(right));
      if (moreLabels !== more) return undefined;
      if (!more) return rows;
      const p: CsvBatch = left.batch!;
      const l: CsvBatch = right.batch!;
      const pFirst: number = p.recordFields[left.record]!;
      const lFirst: number = l.recordFields[right.record]!;
      if (!cleanRecord(p, left.record, predictionLayout) || !cleanRecord(l, right.record, labelsLayout)) return undefined;
      const pId = pFirst + predictionLayout.idPosition;
      const lId = lFirst + labelsLayout.idPosition;
      if (p.fieldEscaped[pId] || l.fieldEscaped[lId]) return undefined;
      const idFrom = p.fieldStart[pId]!;
      const idTo = p.fieldEnd[pId]!;
      if (compareRanges(p.bytes, idFrom, idTo, l.bytes, l.fieldStart[lId]!, l.fieldEnd[lId]!) !== 0) return undefined;
      if (previousLength >= 0 && compareRanges(previous, 0, previousLength, p.bytes, idFrom, idTo) >= 0) return undefined;
      if (idTo - idFrom > previous.length) previous = Buffer.alloc(2 * (idTo - idFrom));
      const source = p.bytes;
      for (let k = idFrom; k < idTo; k++) previous[k - idFrom] = source[k]!;
      previousLength = idTo - idFrom;
      if (checker.check(p, left.record, predictionLayout, prediction) > 0 || checker.check(l, right.record, labelsLayout, truth) > 0) return undefined;
      if (format.oneHot && (RowValueChecker.oneHotClass(prediction, columns) < 0 || RowValueChecker.oneHotClass(truth, columns) < 0)) return undefined;
      let split = SPLIT_NONE;
      if (splitPosition >= 0) {
        const field = lFirst + splitPosition;
        split = splitCode(l.bytes, l.fieldStart[field]!, l.fieldEnd[field]!);
        if (split < 0) return undefined;
      }
      onRow(truth, prediction, split);
      rows++;
    }
  } finally {
    await Promise.all([left.reader.close(), right.reader.close()]);
  }
}

function cleanRecord(batch: CsvBatch, record: number, layout: HeaderLayout): boolean {
  return batch.recordFields[record + 1]! - batch.recordFields[record]! === layout.fieldCount;
}
