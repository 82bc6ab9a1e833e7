import { isUtf8 } from 'node:buffer';

/**
 * A streaming RFC 4180 CSV reader over bytes. It hands out batches of records as field byte
 * ranges into one buffer, so numeric fields are parsed without creating strings (the scorer reads
 * millions of rows). Accepts a UTF-8 byte order mark, CRLF line endings, quoted fields with
 * doubled quotes and newlines inside quotes; skips blank lines. Memory stays bounded by
 * `maxRecordBytes` plus one chunk, whatever the input.
 */

export type CsvSource = AsyncIterable<Uint8Array | string> | NodeJS.ReadableStream;

/** Longer than any honest predictions or labels row; a one-megabyte line is refused without buffering it. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024;

export type CsvProblemCode = 'GZIP_FILE' | 'ZIP_FILE' | 'NOT_UTF8' | 'RECORD_TOO_LONG' | 'UNTERMINATED_QUOTE' | 'TEXT_AFTER_QUOTE';

/** The file is not readable CSV text. The message names the problem and never quotes the content. */
export class CsvFormatError extends Error {
  readonly code: CsvProblemCode;
  readonly hint: string | undefined;

  constructor(code: CsvProblemCode, message: string, hint?: string) {
    super(message);
    this.name = 'CsvFormatError';
    this.code = code;
    this.hint = hint;
  }
}

/** Records parsed from one chunk. Valid only until the next `CsvReader.next()` call. */
export interface CsvBatch {
  bytes: Buffer;
  count: number;
  /** Record r's fields are indexes recordFields[r] .. recordFields[r + 1] - 1 of the field arrays. */
  recordFields: Int32Array;
  fieldStart: Int32Array;
  fieldEnd: Int32Array;
  /** 1 when a quoted field holds doubled quotes, so its text needs unescaping. */
  fieldEscaped: Uint8Array;
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

function toBuffer(chunk: Uint8Array | string | Buffer): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The text of a field: decoded as UTF-8, doubled quotes unescaped. */
export function fieldText(batch: CsvBatch, field: number): string {
  const text = batch.bytes.toString('utf8', batch.fieldStart[field]!, batch.fieldEnd[field]!);
  return batch.fieldEscaped[field] ? text.replaceAll('""', '"') : text;
}

/** The raw bytes of a field with doubled quotes unescaped (a copy only when unescaping is needed). */
export function fieldBytes(batch: CsvBatch, field: number): Buffer {
  const raw = batch.bytes.subarray(batch.fieldStart[field]!, batch.fieldEnd[field]!);
  return batch.fieldEscaped[field] ? Buffer.from(raw.toString('utf8').replaceAll('""', '"'), 'utf8') : raw;
}

/** Every field of one record as text (a header, or the rows of a small file). */
export function recordText(batch: CsvBatch, record: number): string[] {
  const texts: string[] = [];
  for (let field = batch.recordFields[record]!; field < batch.recordFields[record + 1]!; field++) texts.push(fieldText(batch, field));
  return texts;
}

export class CsvReader {
  private readonly chunks: AsyncIterator<Uint8Array | string>;
  private readonly maxRecordBytes: number;
  private pending: Buffer = Buffer.alloc(0);
  private started = false;
  private done = false;
  private recordFields = new Int32Array(1024);
  private fieldStart = new Int32Array(4096);
  private fieldEnd = new Int32Array(4096);
  private fieldEscaped = new Uint8Array(4096);
  /** Records handed out so far (blank lines excluded); the header is record 1. */
  recordsRead = 0;

  constructor(source: CsvSource, options: { maxRecordBytes?: number } = {}) {
    this.chunks = (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /** The next batch of complete records, or undefined at the end of the input. */
  async next(): Promise<CsvBatch | undefined> {
    while (!this.done) {
      const step = await this.chunks.next();
      if (step.done) {
        this.done = true;
        break;
      }
      const chunk = toBuffer(step.value);
      if (chunk.length === 0) continue;
      let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
      if (!this.started) {
        // Wait for enough bytes to recognise a compressed file or a byte order mark.
        if (data.length < 4) {
          this.pending = data;
          continue;
        }
        data = this.startOf(data);
      }
      const batch = this.parse(data, false);
      if (batch) return batch;
    }
    if (!this.started && this.pending.length > 0) this.pending = this.startOf(this.pending);
    if (this.pending.length === 0) return undefined;
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return this.parse(rest, true);
  }

  async close(): Promise<void> {
    this.done = true;
    await this.chunks.return?.();
  }

  private startOf(data: Buffer): Buffer {
    this.started = true;
    if (data[0] === 0x1f && data[1] === 0x8b) {
      throw new CsvFormatError('GZIP_FILE', 'the file is gzip-compressed, not CSV text', 'write plain CSV text, not a compressed file renamed to .csv');
    }
    if (data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04) {
      throw new CsvFormatError('ZIP_FILE', 'the file is a zip archive, not CSV text', 'write plain CSV text, not a zip archive renamed to .csv');
    }
    return data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? data.subarray(3) : data;
  }

  private tooLong(): CsvFormatError {
    return new CsvFormatError(
      'RECORD_TOO_LONG',
      `line ${this.recordsRead + 1} is longer than ${this.maxRecordBytes} bytes`,
      'each row holds an id and a few values; check that rows end with a line break',
    );
  }

  private ensureFieldCapacity(needed: number): void {
    if (needed <= this.fieldStart.length) return;
    const size = Math.max(needed, this.fieldStart.length * 2);
    const grow = <T extends Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.fieldStart = grow(this.fieldStart, (n) => new Int32Array(n));
    this.fieldEnd = grow(this.fieldEnd, (n) => new Int32Array(n));
    this.fieldEscaped = grow(this.fieldEscaped, (n) => new Uint8Array(n));
  }

  /**
   * Splits `data` into records. Without `final`, an incomplete last record is kept for the next
   * chunk; returns undefined when the chunk held no complete record.
   */
  private parse(data: Buffer, final: boolean): CsvBatch | undefined {
    const length = data.length;
    let records = 0;
    let fields = 0;
    let recordStart = 0;
    let consumed = 0;
    let i = 0;
    this.recordFields[0] = 0;
    while (i < length) {
      // One record: fields separated by commas, ending at a line feed outside quotes.
      recordStart = i;
      const firstField = fields;
      let firstQuoted = false;
      let complete = false;
      for (;;) {
        if (fields + 1 >= this.fieldStart.length) this.ensureFieldCapacity(fields + 2);
        let escaped = 0;
        let start = i;
        let end: number;
        const quoted = i < length && data[i] === QUOTE;
        if (quoted) {
          // Quoted field: runs to the quote not followed by another quote.
          let j = i + 1;
          let closed = -1;
          while (j < length) {
            const q = data.indexOf(QUOTE, j);
            if (q === -1) break;
            if (q + 1 < length && data[q + 1] === QUOTE) {
              escaped = 1;
              j = q + 2;
              continue;
            }
            if (q + 1 >= length && !final) break; // cannot tell "" from " yet
            closed = q;
            break;
          }
          if (closed === -1) {
            if (final) throw new CsvFormatError('UNTERMINATED_QUOTE', `a quoted field that starts on line ${this.recordsRead + records + 1} is never closed`);
            break;
          }
          start = i + 1;
          end = closed;
          i = closed + 1;
          const after = i < length ? data[i] : LF;
          if (after !== COMMA && after !== LF && !(after === CR && (i + 1 >= length || data[i + 1] === LF))) {
            throw new CsvFormatError(
              'TEXT_AFTER_QUOTE',
              `line ${this.recordsRead + records + 1} has text after a closing quote`,
              'quote whole fields only, and double quotes inside quoted fields',
            );
          }
        } else {
          while (i < length) {
            const c = data[i]!;
            if (c === COMMA || c === LF) break;
            i++;
          }
          end = i;
        }
        if (i >= length && !final) break;
        // An unquoted last field ends at the line feed, so a CRLF line leaves its CR in the field.
        if (!quoted && end > start && data[end - 1] === CR && (i >= length || data[i] === LF)) end--;
        if (fields === firstField) firstQuoted = quoted;
        this.fieldStart[fields] = start;
        this.fieldEnd[fields] = end;
        this.fieldEscaped[fields] = escaped;
        fields++;
        if (i < length && data[i] === CR) i++;
        if (i >= length || data[i] === LF) {
          i++;
          complete = true;
          break;
        }
        i++; // the comma
      }
      if (!complete) {
        fields = firstField;
        break;
      }
      if (i - recordStart > this.maxRecordBytes + 2) throw this.tooLong();
      consumed = i;
      const blank = fields - firstField === 1 && !firstQuoted && this.fieldEnd[firstField] === this.fieldStart[firstField];
      if (blank) {
        fields = firstField;
        continue;
      }
      records++;
      if (records + 1 >= this.recordFields.length) {
        const grown = new Int32Array(this.recordFields.length * 2);
        grown.set(this.recordFields);
        this.recordFields = grown;
      }
      this.recordFields[records] = fields;
    }
    this.pending = consumed < length ? data.subarray(consumed) : Buffer.alloc(0);
    if (this.pending.length > this.maxRecordBytes) throw this.tooLong();
    if (records === 0 && consumed === 0) return undefined;
    // Whole records end at a line feed, so no multi-byte character is split across batches.
    if (!isUtf8(data.subarray(0, consumed))) {
      throw new CsvFormatError('NOT_UTF8', 'the file is not valid UTF-8 text', 'save the CSV as UTF-8');
    }
    if (records === 0) return undefined;
    this.recordsRead += records;
    return {
      bytes: data,
      count: records,
      recordFields: this.recordFields,
      fieldStart: this.fieldStart,
      fieldEnd: this.fieldEnd,
      fieldEscaped: this.fieldEscaped,
    };
  }
}
