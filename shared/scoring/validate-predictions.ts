import type { SubmissionFormat } from '../challenge/definition-schema.ts';
import { CsvFormatError, CsvReader, fieldBytes, recordText, type CsvProblemCode, type CsvSource } from './csv-stream.ts';
import { IdBatchBuffers, IdIndex } from './id-index.ts';
import { RowValueChecker, describeCounts, emptyCounts, isHeaderLayout, layoutHeader, type HeaderLayout, type PredictionsCounts } from './predictions-check.ts';

/**
 * Validation of a predictions file against the submission format and the expected ids, streaming
 * with bounded memory. The rules:
 * - the header holds the id column and every prediction column, in any order, nothing else;
 * - each expected id appears exactly once, compared as exact strings (spaces, case and leading
 *   zeros count); row order is free;
 * - values follow their column type: probabilities in [0, 1], binaries 0 or 1, integers, floats
 *   within min/max, categories from the allowed list; empty, NaN, infinite and non-numbers are
 *   refused; scientific notation and quoted numbers are accepted;
 * - one-hot formats: exactly one 1 per row;
 * - UTF-8 text (a byte order mark and CRLF are fine); compressed files, `;` separators and
 *   decimal commas are refused with a hint.
 */
export type PredictionsValidation =
  | { ok: true; rows: number }
  | {
      ok: false;
      /** Person-readable, counts only: never an id or a value from the file or the labels. */
      message: string;
      problems: string[];
      /**
       * The message as a team may read it after its code saw hidden data: a fixed category with
       * counts, no name from the header, no line number (both could carry hidden data).
       */
      summary: string;
      counts: PredictionsCounts;
      hint?: string;
    };

export type PredictionsInvalid = Extract<PredictionsValidation, { ok: false }>;

export interface PredictionsPassOptions {
  maxRecordBytes?: number;
  /** Called for each good row whose id is expected, first occurrence only; `values` is reused between calls. */
  onRow?: (slot: number, values: Float64Array) => void;
  /**
   * Smoke data only: the expected ids by slot, and how many missing ones to name. Never set for
   * hidden data, whose ids must not reach a team (see predictions-check.ts).
   */
  nameMissingIds?: { ids: readonly string[]; limit: number };
}

const DECIMAL_HINT = 'write decimals with a dot (0.5, not 0,5) and separate fields with commas';

/** Fixed wording per CSV problem: the reader's own messages name line numbers the file chose. */
const CSV_PROBLEM_SUMMARY: Record<CsvProblemCode, string> = {
  GZIP_FILE: 'the file is gzip-compressed, not CSV text',
  ZIP_FILE: 'the file is a zip archive, not CSV text',
  NOT_UTF8: 'the file is not valid UTF-8 text',
  RECORD_TOO_LONG: 'a line is longer than the limit',
  UNTERMINATED_QUOTE: 'a quoted field is never closed',
  TEXT_AFTER_QUOTE: 'a line has text after a closing quote',
};

function invalid(problems: string[], counts: PredictionsCounts, hint?: string, summary: string[] = problems): PredictionsInvalid {
  return {
    ok: false,
    message: `the predictions file is invalid: ${problems.join('; ')}`,
    problems,
    summary: `the predictions file is invalid: ${summary.join('; ')}`,
    counts,
    ...(hint ? { hint } : {}),
  };
}

/**
 * Reads the whole predictions file once, checking it and handing each good row to `onRow`.
 * `expected` holds the ids the file must list, each with its slot.
 */
export async function checkPredictionsFile(
  source: CsvSource,
  format: SubmissionFormat,
  expected: IdIndex,
  options: PredictionsPassOptions = {},
): Promise<PredictionsValidation> {
  const counts = emptyCounts(expected.size);
  const reader = new CsvReader(source, options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {});
  const checker = new RowValueChecker(format);
  const seen = new Uint8Array(expected.size);
  const values = new Float64Array(format.columns.length);
  const classes = format.columns.length;
  let layout: HeaderLayout | undefined;
  let longRows = 0;
  // Each batch's ids are looked up together (see IdIndex.findBatch); -1 start: no id to look up.
  const idBuffers = new IdBatchBuffers();
  try {
    for (let batch = await reader.next(); batch; batch = await reader.next()) {
      let record = 0;
      if (!layout) {
        const header = recordText(batch, 0);
        const mapped = layoutHeader(header, format);
        if (!isHeaderLayout(mapped)) return invalid(mapped.problems, counts, mapped.hint, mapped.summary);
        layout = mapped;
        record = 1;
      }
      const { idPosition, fieldCount } = layout;
      const { starts: idStarts, ends: idEnds, slots } = idBuffers.reserve(batch.count);
      for (let r = 0; r < batch.count; r++) {
        const idField = batch.recordFields[r]! + idPosition;
        const plain = r >= record && idField < batch.recordFields[r + 1]! && !batch.fieldEscaped[idField];
        idStarts[r] = plain ? batch.fieldStart[idField]! : -1;
        idEnds[r] = plain ? batch.fieldEnd[idField]! : -1;
      }
      expected.findBatch(batch.bytes, idStarts, idEnds, batch.count, slots);
      for (; record < batch.count; record++) {
        counts.rows++;
        const first = batch.recordFields[record]!;
        const fields = batch.recordFields[record + 1]! - first;
        let slot = -1;
        if (idPosition < fields) {
          const idField = first + idPosition;
          slot = batch.fieldEscaped[idField] ? findEscaped(expected, fieldBytes(batch, idField)) : slots[record]!;
          if (slot < 0) counts.unknownIds++;
          else if (seen[slot]) {
            counts.duplicateIds++;
            slot = -1;
          } else seen[slot] = 1;
        }
        if (fields !== fieldCount) {
          counts.badRows++;
          if (fields > fieldCount) longRows++;
          continue;
        }
        const bad = checker.check(batch, record, layout, values);
        if (bad > 0) {
          counts.badValues += bad;
          continue;
        }
        if (checker.oneHot && RowValueChecker.oneHotClass(values, classes) < 0) {
          counts.notOneHotRows++;
          continue;
        }
        if (slot >= 0) options.onRow?.(slot, values);
      }
    }
  } catch (error) {
    if (error instanceof CsvFormatError) return invalid([error.message], counts, error.hint, [CSV_PROBLEM_SUMMARY[error.code]]);
    throw error;
  } finally {
    await reader.close();
  }
  if (!layout) return invalid(['the file is empty'], counts, `start with the header line ${[format.idColumn, ...format.columns.map((c) => c.name)].join(',')}`);
  let matched = 0;
  for (let slot = 0; slot < seen.length; slot++) matched += seen[slot]!;
  counts.missingIds = expected.size - matched;
  const problems = describeCounts(counts, format, checker.describeProblems());
  if (problems.length === 0) return { ok: true, rows: counts.rows };
  // The summary (what a team reads after hidden data) never names an id: it is taken before.
  const summary = [...problems];
  const named = options.nameMissingIds && counts.missingIds > 0 ? missingIds(seen, options.nameMissingIds) : [];
  // The missing-ids line comes first when there is one.
  if (named.length) problems[0] += `: ${named.map((id) => JSON.stringify(id)).join(', ')}${counts.missingIds > named.length ? ', …' : ''}`;
  const decimalCommas =
    checker.hasProblem('decimal-comma') || (longRows > 0 && format.columns.some((column) => column.type === 'float' || column.type === 'probability'));
  return invalid(problems, counts, decimalCommas ? DECIMAL_HINT : undefined, summary);
}

function missingIds(seen: Uint8Array, { ids, limit }: { ids: readonly string[]; limit: number }): string[] {
  const named: string[] = [];
  for (let slot = 0; slot < seen.length && named.length < limit; slot++) if (!seen[slot] && ids[slot] !== undefined) named.push(ids[slot]!);
  return named;
}

function findEscaped(index: IdIndex, bytes: Buffer): number {
  return index.find(bytes, 0, bytes.length);
}

/**
 * Checks a predictions file against the submission format and the ids it must list.
 *
 * @example
 * const result = await validatePredictions(createReadStream('submission.csv'), challenge.submissionFormat, ids);
 * if (!result.ok) fail('PREDICTIONS_INVALID', result.message);
 */
export async function validatePredictions(
  input: CsvSource,
  format: SubmissionFormat,
  expectedIds: Iterable<string>,
  options: { maxRecordBytes?: number; nameMissingIds?: number } = {},
): Promise<PredictionsValidation> {
  const list = [...expectedIds];
  const { index } = IdIndex.fromStrings(list);
  // Slots follow the order of first occurrence, so the deduplicated list maps slot to id.
  const nameMissingIds = options.nameMissingIds ? { ids: [...new Set(list)], limit: options.nameMissingIds } : undefined;
  return checkPredictionsFile(input, format, index, { maxRecordBytes: options.maxRecordBytes, nameMissingIds });
}
