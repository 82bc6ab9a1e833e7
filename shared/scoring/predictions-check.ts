import type { PredictionColumn, SubmissionFormat } from '../challenge/definition-schema.ts';
import { fieldText, type CsvBatch } from './csv-stream.ts';
import { parseDecimal } from './parse-number.ts';

/**
 * The rules one predictions row must follow, shared by validation (inference job) and scoring.
 * Problems are tallied as counts per kind and column: the messages built from them never quote a
 * value or an id, because competitor code could smuggle hidden data out through an error message.
 */

export interface PredictionsCounts {
  /** Data rows read (header excluded). */
  rows: number;
  expectedIds: number;
  missingIds: number;
  unknownIds: number;
  /** Rows repeating an id already seen. */
  duplicateIds: number;
  badValues: number;
  /** Rows whose number of fields differs from the header's. */
  badRows: number;
  /** One-hot formats: rows without exactly one column set to 1. */
  notOneHotRows: number;
}

export const emptyCounts = (expectedIds: number): PredictionsCounts => ({
  rows: 0,
  expectedIds,
  missingIds: 0,
  unknownIds: 0,
  duplicateIds: 0,
  badValues: 0,
  badRows: 0,
  notOneHotRows: 0,
});

export type ValueProblem = 'empty' | 'not-a-number' | 'not-finite' | 'decimal-comma' | 'out-of-range' | 'not-integer' | 'not-binary' | 'unknown-category';

const PROBLEM_WORDS: Record<ValueProblem, string> = {
  empty: 'empty',
  'not-a-number': 'not numbers',
  'not-finite': 'NaN or infinite',
  'decimal-comma': 'written with a decimal comma',
  'out-of-range': 'out of range',
  'not-integer': 'not integers',
  'not-binary': 'neither 0 nor 1',
  'unknown-category': 'not one of the allowed values',
};

export interface HeaderLayout {
  /** Header position of the id column. */
  idPosition: number;
  /** Header position of each format column, in format order. */
  columnPositions: number[];
  fieldCount: number;
}

export interface HeaderProblems {
  problems: string[];
  /**
   * The same problems without a column name the file chose (only the format's own names): what a
   * team may read after its code saw hidden data, which it could have written into the header.
   */
  summary: string[];
  hint?: string;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
const quoteNames = (names: string[]) => names.map((name) => `"${name}"`).join(', ');

/**
 * Maps the header onto the submission format. Columns may come in any order (the id column need
 * not be first): a file with every expected column and nothing else is accepted.
 */
export function layoutHeader(
  header: string[],
  format: SubmissionFormat,
  options: { allowExtra?: boolean; optional?: string[] } = {},
): HeaderLayout | HeaderProblems {
  const expected = [format.idColumn, ...format.columns.map((column) => column.name)];
  const problems: string[] = [];
  const positions = new Map<string, number>();
  const duplicated = new Set<string>();
  header.forEach((name, position) => {
    if (positions.has(name)) duplicated.add(name);
    else positions.set(name, position);
  });
  if (header.length === 1 && /[;\t|]/.test(header[0]!)) {
    const separator = header[0]!.includes(';') ? 'semicolons' : header[0]!.includes('\t') ? 'tabs' : 'vertical bars';
    return {
      problems: [`the header is a single column: fields seem to be separated by ${separator}`],
      summary: ['the header is a single column'],
      hint: `separate fields with commas and write decimals with a dot; expected header: ${expected.join(',')}`,
    };
  }
  const summary: string[] = [];
  if (duplicated.size > 0) {
    problems.push(`the header repeats column(s) ${quoteNames([...duplicated])}`);
    summary.push(`the header repeats ${plural(duplicated.size, 'column', 'columns')}`);
  }
  const missing = expected.filter((name) => !positions.has(name));
  const allowed = new Set([...expected, ...(options.optional ?? [])]);
  const unexpected = options.allowExtra ? [] : header.filter((name) => !allowed.has(name));
  if (missing.length > 0) {
    problems.push(`missing column(s) ${quoteNames(missing)}`);
    summary.push(`missing column(s) ${quoteNames(missing)}`);
  }
  if (unexpected.length > 0) {
    problems.push(`unexpected column(s) ${quoteNames(unexpected)}`);
    summary.push(plural(unexpected.length, 'unexpected column', 'unexpected columns'));
  }
  if (problems.length > 0) {
    const near = missing.some((name) => header.some((given) => given.trim().toLowerCase() === name.toLowerCase()));
    const hint = `${near ? 'column names are case- and space-sensitive; ' : ''}expected header (columns in any order): ${expected.join(',')}`;
    return { problems, summary, hint };
  }
  return {
    idPosition: positions.get(format.idColumn)!,
    columnPositions: format.columns.map((column) => positions.get(column.name)!),
    fieldCount: header.length,
  };
}

export const isHeaderLayout = (value: HeaderLayout | HeaderProblems): value is HeaderLayout => 'idPosition' in value;

const NON_FINITE = /^\s*[+-]?(nan|inf|infinity)\s*$/i;
const DECIMAL_COMMA = /^\s*[+-]?\d*,\d+\s*$/;

/** Checks and decodes the values of predictions (or labels) rows; category values decode to their index. */
export class RowValueChecker {
  private readonly columns: PredictionColumn[];
  private readonly categoryBytes: Buffer[][];
  /** problemCounts[column][problem] */
  private readonly problemCounts: Map<ValueProblem, number>[];
  readonly oneHot: boolean;

  constructor(format: SubmissionFormat) {
    this.columns = format.columns;
    this.oneHot = format.oneHot;
    this.categoryBytes = format.columns.map((column) => (column.values ?? []).map((value) => Buffer.from(value, 'utf8')));
    this.problemCounts = format.columns.map(() => new Map());
  }

  /**
   * Decodes record `record`'s prediction columns into `out`. Returns the number of bad values
   * (0 when the row is good), tallying each problem by column.
   */
  check(batch: CsvBatch, record: number, layout: HeaderLayout, out: Float64Array): number {
    const first = batch.recordFields[record]!;
    const bytes = batch.bytes;
    let bad = 0;
    for (let c = 0; c < this.columns.length; c++) {
      const field = first + layout.columnPositions[c]!;
      const from = batch.fieldStart[field]!;
      const to = batch.fieldEnd[field]!;
      const column = this.columns[c]!;
      let problem: ValueProblem | undefined;
      if (column.type === 'category') {
        const index = this.categoryIndex(c, batch, field);
        if (index < 0) problem = from === to ? 'empty' : 'unknown-category';
        out[c] = index;
      } else {
        const value = parseDecimal(bytes, from, to);
        out[c] = value;
        problem = this.numericProblem(column, value, batch, field);
      }
      if (problem) {
        bad++;
        const counts = this.problemCounts[c]!;
        counts.set(problem, (counts.get(problem) ?? 0) + 1);
      }
    }
    return bad;
  }

  private numericProblem(column: PredictionColumn, value: number, batch: CsvBatch, field: number): ValueProblem | undefined {
    if (Number.isNaN(value)) {
      if (batch.fieldStart[field] === batch.fieldEnd[field]) return 'empty';
      const text = fieldText(batch, field);
      if (text.trim() === '') return 'empty';
      if (NON_FINITE.test(text)) return 'not-finite';
      return DECIMAL_COMMA.test(text) ? 'decimal-comma' : 'not-a-number';
    }
    if (!Number.isFinite(value)) return 'not-finite';
    switch (column.type) {
      case 'binary':
        return value === 0 || value === 1 ? undefined : 'not-binary';
      case 'probability':
        if (value < 0 || value > 1) return 'out-of-range';
        break;
      case 'integer':
        if (!Number.isInteger(value)) return 'not-integer';
        break;
      default:
        break;
    }
    if ((column.min !== undefined && value < column.min) || (column.max !== undefined && value > column.max)) return 'out-of-range';
    return undefined;
  }

  private categoryIndex(column: number, batch: CsvBatch, field: number): number {
    const from = batch.fieldStart[field]!;
    const length = batch.fieldEnd[field]! - from;
    const candidates = this.categoryBytes[column]!;
    if (batch.fieldEscaped[field]) return this.columns[column]!.values!.indexOf(fieldText(batch, field));
    for (let k = 0; k < candidates.length; k++) {
      const candidate = candidates[k]!;
      if (candidate.length === length && batch.bytes.compare(candidate, 0, length, from, from + length) === 0) return k;
    }
    return -1;
  }

  /** The class a one-hot row names: the index of its single 1, or -1 when there is not exactly one. */
  static oneHotClass(values: ArrayLike<number>, columns: number): number {
    let found = -1;
    for (let c = 0; c < columns; c++) {
      if (values[c] === 1) {
        if (found >= 0) return -1;
        found = c;
      }
    }
    return found;
  }

  /** One line per column with problems, such as `column "relapse": 3 values are empty, 1 is out of range [0, 1]`. */
  describeProblems(): string[] {
    const lines: string[] = [];
    this.columns.forEach((column, c) => {
      const counts = this.problemCounts[c]!;
      if (counts.size === 0) return;
      const parts = [...counts].map(([problem, count]) => {
        const words = problem === 'out-of-range' ? `out of range ${rangeOf(column)}` : PROBLEM_WORDS[problem];
        return `${count} ${count === 1 ? 'value is' : 'values are'} ${words}`;
      });
      lines.push(`column "${column.name}": ${parts.join(', ')}`);
    });
    return lines;
  }

  hasProblem(problem: ValueProblem): boolean {
    return this.problemCounts.some((counts) => counts.has(problem));
  }
}

function rangeOf(column: PredictionColumn): string {
  const low = Math.max(column.min ?? -Infinity, column.type === 'probability' ? 0 : -Infinity);
  const high = Math.min(column.max ?? Infinity, column.type === 'probability' ? 1 : Infinity);
  return `[${Number.isFinite(low) ? low : '-∞'}, ${Number.isFinite(high) ? high : '∞'}]`;
}

/** The person-readable summary of a failed validation: counts only. */
export function describeCounts(counts: PredictionsCounts, format: SubmissionFormat, valueLines: string[]): string[] {
  const lines: string[] = [];
  if (counts.missingIds > 0) lines.push(`${plural(counts.missingIds, 'expected id is', 'expected ids are')} missing (of ${counts.expectedIds})`);
  if (counts.unknownIds > 0)
    lines.push(`${plural(counts.unknownIds, 'row has an id', 'rows have ids')} that ${counts.unknownIds === 1 ? 'is' : 'are'} not expected`);
  if (counts.duplicateIds > 0) lines.push(`${plural(counts.duplicateIds, 'row repeats an id', 'rows repeat ids')} already given`);
  if (counts.badRows > 0) lines.push(`${plural(counts.badRows, 'row does', 'rows do')} not have the header's number of fields`);
  lines.push(...valueLines);
  if (counts.notOneHotRows > 0) {
    const names = format.columns.map((column) => `"${column.name}"`).join(', ');
    lines.push(`${plural(counts.notOneHotRows, 'row does', 'rows do')} not have exactly one 1 among the columns ${names}`);
  }
  return lines;
}
