import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvReader, fieldText } from '#shared/scoring/csv-stream.ts';
import { parseDecimal } from '#shared/scoring/parse-number.ts';

async function records(text: string, chunkSize: number): Promise<string[][]> {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const reader = new CsvReader(Readable.from(chunks));
  const out: string[][] = [];
  for (let batch = await reader.next(); batch; batch = await reader.next()) {
    for (let r = 0; r < batch.count; r++) {
      const fields: string[] = [];
      for (let f = batch.recordFields[r]!; f < batch.recordFields[r + 1]!; f++) fields.push(fieldText(batch, f));
      out.push(fields);
    }
  }
  return out;
}

describe('CsvReader', () => {
  const text = '\ufeffid,text,n\r\n"a,1","say ""hi""",1\r\n\r\nb,"two\nlines",\r\né,"",3';
  const expected = [
    ['id', 'text', 'n'],
    ['a,1', 'say "hi"', '1'],
    ['b', 'two\nlines', ''],
    ['é', '', '3'],
  ];

  it.each([1, 2, 3, 5, 8, 64])('gives the same records whatever the chunk size (%i bytes)', async (size) => {
    expect(await records(text, size)).toEqual(expected);
  });
});

describe('parseDecimal', () => {
  const parse = (text: string) => {
    const bytes = Buffer.from(text);
    return parseDecimal(bytes, 0, bytes.length);
  };

  it('matches Number() on the accepted grammar, including long and scientific forms', () => {
    for (const text of ['0', '1', '-0.5', '+3', '0.1', '.5', '5.', '1e-3', '2.5E+10', '0.30000000000000004', '123456789012345678', '1e-300', ' 0.25 ']) {
      expect(parse(text)).toBe(Number(text));
    }
  });

  it('refuses what Number() would accept but a predictions file must not hold', () => {
    for (const text of ['', ' ', 'NaN', 'inf', 'Infinity', '0x10', '1_000', '1e', '0,5', '--1', '.']) expect(parse(text)).toBeNaN();
  });
});
