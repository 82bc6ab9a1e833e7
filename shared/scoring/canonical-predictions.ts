import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { SubmissionFormat } from '../challenge/definition-schema.ts';
import { PodiumError } from '../errors.ts';
import { CsvReader, fieldText, recordText, type CsvSource } from './csv-stream.ts';
import { isHeaderLayout, layoutHeader } from './predictions-check.ts';

/** RFC 4180 quoting, only where a field needs it. */
const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/**
 * Rewrites a predictions file that passed validation in one plain shape for an organiser's
 * scoring program: UTF-8 without byte order mark, LF line endings, the id column then the format's
 * columns in the format's order, quotes only where a field needs them. Values keep their text as
 * the team wrote it (scientific notation included), so the program parses what validation parsed.
 */
export async function writeCanonicalPredictions(source: CsvSource, format: SubmissionFormat, outPath: string): Promise<void> {
  const out = createWriteStream(outPath, { flags: 'wx', mode: 0o644 });
  const closed = once(out, 'close');
  try {
    const reader = new CsvReader(source);
    let positions: number[] | undefined;
    for (let batch = await reader.next(); batch; batch = await reader.next()) {
      let record = 0;
      if (!positions) {
        const layout = layoutHeader(recordText(batch, 0), format);
        if (!isHeaderLayout(layout)) {
          throw new PodiumError('INTERNAL', `predictions that passed validation have a header the format refuses: ${layout.problems.join('; ')}`);
        }
        positions = [layout.idPosition, ...layout.columnPositions];
        record = 1;
        if (!out.write([format.idColumn, ...format.columns.map((column) => column.name)].map(csvField).join(',') + '\n')) await once(out, 'drain');
      }
      let lines = '';
      for (; record < batch.count; record++) {
        const first = batch.recordFields[record]!;
        lines += positions.map((position) => csvField(fieldText(batch, first + position))).join(',') + '\n';
      }
      if (!out.write(lines)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await closed;
  }
}
