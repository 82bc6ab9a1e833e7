import { CsvReader, recordText } from '../scoring/csv-stream.ts';

/** How a rerun's output compares with the original: byte for byte, every value within the tolerance, or not. */
export type Agreement = 'identical' | 'within-tolerance' | 'different';

export interface PredictionsComparison {
  agreement: Agreement;
  /** Rows (by id) whose values differ beyond the tolerance, or that one file lacks. */
  differingRows: number;
  rows: number;
  /** Largest absolute difference of one numeric value between the two files (0 when identical); absent when a text value differs. */
  maxAbsDifference?: number;
  /** Why the files cannot be compared value by value (other columns, other ids). */
  note?: string;
}

async function readTable(bytes: Uint8Array): Promise<{ header: string[]; rows: Map<string, string[]> }> {
  const reader = new CsvReader(
    (async function* () {
      yield bytes;
    })(),
  );
  let header: string[] | undefined;
  const rows = new Map<string, string[]>();
  for (let batch = await reader.next(); batch; batch = await reader.next()) {
    for (let record = 0; record < batch.count; record++) {
      const fields = recordText(batch, record);
      if (!header) header = fields;
      else rows.set(fields[0] ?? '', fields.slice(1));
    }
  }
  return { header: header ?? [], rows };
}

/**
 * Compares two predictions files (the original run's and the rerun's), matching rows by the id in
 * the first column: identical bytes, else every value equal within `tolerance` (numbers compared
 * as numbers, anything else as text), else different, with counts. Files hold at most the
 * predictions limit (512 MiB); both are read into memory.
 */
export async function comparePredictions(original: Uint8Array, rerun: Uint8Array, tolerance: number): Promise<PredictionsComparison> {
  const a = await readTable(original);
  const b = await readTable(rerun);
  const rows = a.rows.size;
  if (Buffer.compare(Buffer.from(original), Buffer.from(rerun)) === 0) return { agreement: 'identical', differingRows: 0, rows, maxAbsDifference: 0 };
  if (a.header.join(',') !== b.header.join(',')) {
    return { agreement: 'different', differingRows: rows, rows, note: 'the two files have different columns' };
  }
  let differingRows = 0;
  let maxAbsDifference = 0;
  let textDiffers = false;
  for (const [id, values] of a.rows) {
    const other = b.rows.get(id);
    if (!other) {
      differingRows++;
      continue;
    }
    let differs = false;
    values.forEach((value, column) => {
      const x = Number(value);
      const y = Number(other[column]);
      if (value.trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) {
        const difference = Math.abs(x - y);
        maxAbsDifference = Math.max(maxAbsDifference, difference);
        if (difference > tolerance) differs = true;
      } else if (value !== other[column]) {
        differs = true;
        textDiffers = true;
      }
    });
    if (differs) differingRows++;
  }
  differingRows += [...b.rows.keys()].filter((id) => !a.rows.has(id)).length;
  return { agreement: differingRows === 0 ? 'within-tolerance' : 'different', differingRows, rows, ...(textDiffers ? {} : { maxAbsDifference }) };
}
