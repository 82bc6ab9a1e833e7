import type { DatasetDefinition, SubmissionFormat } from '../challenge/definition-schema.ts';
import { PodiumError } from '../errors.ts';
import { CsvFormatError, CsvReader, fieldBytes, recordText, type CsvBatch, type CsvSource } from './csv-stream.ts';
import { IdBatchBuffers, IdIndex } from './id-index.ts';
import { RowValueChecker, isHeaderLayout, layoutHeader, type HeaderLayout } from './predictions-check.ts';

/** Which leaderboard split a labels row belongs to; 0 when the dataset has no split column. */
export const SPLIT_NONE = 0;
export const SPLIT_PUBLIC = 1;
export const SPLIT_PRIVATE = 2;
const PUBLIC_BYTES = Buffer.from('public');
const PRIVATE_BYTES = Buffer.from('private');

function splitOf(batch: CsvBatch, field: number): number | undefined {
  const from = batch.fieldStart[field]!;
  const to = batch.fieldEnd[field]!;
  if (sameBytes(batch.bytes, from, to, PUBLIC_BYTES)) return SPLIT_PUBLIC;
  if (sameBytes(batch.bytes, from, to, PRIVATE_BYTES)) return SPLIT_PRIVATE;
  return undefined;
}

function sameBytes(bytes: Buffer, from: number, to: number, expected: Buffer): boolean {
  if (to - from !== expected.length) return false;
  for (let k = 0; k < expected.length; k++) if (bytes[from + k] !== expected[k]) return false;
  return true;
}

/**
 * A dataset's labels held compactly for the join by id: ids in an `IdIndex` (slot = row), the
 * truth values packed in one typed array (bytes when every column is binary), the split in bytes.
 */
export interface LabelsTable {
  ids: IdIndex;
  columns: number;
  truth: Float64Array | Uint8Array;
  /** SPLIT_* per slot, or undefined when the dataset has no split column. */
  split: Uint8Array | undefined;
}

function labelsInvalid(message: string): PodiumError {
  return new PodiumError('LABELS_INVALID', `the labels file is unusable: ${message}`);
}

/**
 * Reads a labels file: the id column, every prediction column and, when the dataset declares one,
 * its split column (`public` or `private` on every row). Other columns are ignored. Anything
 * wrong is the organiser's to fix and throws LABELS_INVALID.
 */
export async function readLabelsTable(source: CsvSource, format: SubmissionFormat, dataset: Pick<DatasetDefinition, 'splitColumn'>): Promise<LabelsTable> {
  const reader = new CsvReader(source);
  const checker = new RowValueChecker(format);
  const columns = format.columns.length;
  const ids = new IdIndex(64 * 1024);
  const packed = format.columns.every((column) => column.type === 'binary');
  let truth: Float64Array | Uint8Array = packed ? new Uint8Array(64 * 1024 * columns) : new Float64Array(64 * 1024 * columns);
  let split = dataset.splitColumn ? new Uint8Array(64 * 1024) : undefined;
  const values = new Float64Array(columns);
  let layout: HeaderLayout | undefined;
  let splitPosition = -1;
  // Each batch's ids are indexed together (see IdIndex.addBatch), up to the first record that
  // needs the row-by-row path (an escaped id or a short row), so slots and errors come in row order.
  const idBuffers = new IdBatchBuffers();
  try {
    for (let batch = await reader.next(); batch; batch = await reader.next()) {
      let record = 0;
      if (!layout) {
        const header = recordText(batch, 0);
        const mapped = layoutHeader(header, format, { allowExtra: true });
        if (!isHeaderLayout(mapped)) throw labelsInvalid(mapped.problems.join('; '));
        if (dataset.splitColumn) {
          splitPosition = header.indexOf(dataset.splitColumn);
          if (splitPosition < 0) throw labelsInvalid(`missing the split column "${dataset.splitColumn}"`);
        }
        layout = mapped;
        record = 1;
      }
      const { starts: idStarts, ends: idEnds, slots } = idBuffers.reserve(batch.count);
      let regular = true;
      for (let r = 0; r < batch.count; r++) {
        const first = batch.recordFields[r]!;
        const idField = first + layout.idPosition;
        if (r >= record) regular &&= batch.recordFields[r + 1]! - first === layout.fieldCount && !batch.fieldEscaped[idField];
        const indexed = regular && r >= record;
        idStarts[r] = indexed ? batch.fieldStart[idField]! : -1;
        idEnds[r] = indexed ? batch.fieldEnd[idField]! : -1;
      }
      ids.addBatch(batch.bytes, idStarts, idEnds, batch.count, slots);
      for (; record < batch.count; record++) {
        const line = reader.recordsRead - batch.count + record + 1;
        const first = batch.recordFields[record]!;
        if (batch.recordFields[record + 1]! - first !== layout.fieldCount) throw labelsInvalid(`line ${line} does not have the header's number of fields`);
        if (checker.check(batch, record, layout, values) > 0) throw labelsInvalid(`line ${line}: ${checker.describeProblems().join('; ')}`);
        if (format.oneHot && RowValueChecker.oneHotClass(values, columns) < 0) throw labelsInvalid(`line ${line} does not have exactly one 1`);
        const idField = first + layout.idPosition;
        let slot = slots[record]!;
        if (slot === -2) {
          const id = fieldBytes(batch, idField);
          slot = ids.add(id, 0, id.length);
        }
        if (slot < 0) throw labelsInvalid(`line ${line} repeats an id`);
        if ((slot + 1) * columns > truth.length) truth = growArray(truth, truth.length * 2);
        for (let c = 0; c < columns; c++) truth[slot * columns + c] = values[c]!;
        if (split) {
          if (slot >= split.length) split = growArray(split, split.length * 2);
          const value = splitOf(batch, first + splitPosition);
          if (value === undefined) throw labelsInvalid(`line ${line}: the split column "${dataset.splitColumn}" must be public or private`);
          split[slot] = value;
        }
      }
    }
  } catch (error) {
    if (error instanceof CsvFormatError) throw labelsInvalid(error.message);
    throw error;
  } finally {
    await reader.close();
  }
  if (!layout) throw labelsInvalid('the file is empty');
  return { ids, columns, truth, split };
}

function growArray<T extends Float64Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  return next;
}
