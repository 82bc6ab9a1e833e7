import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { submissionFormatSchema, type SubmissionFormat } from '#shared/challenge/definition-schema.ts';
import { validatePredictions, type PredictionsValidation } from '#shared/scoring/validate-predictions.ts';

const tissuenet: SubmissionFormat = submissionFormatSchema.parse({
  idColumn: 'filename',
  oneHot: true,
  columns: ['0', '1', '2', '3'].map((name) => ({ name, type: 'binary' })),
});
const visiomel: SubmissionFormat = submissionFormatSchema.parse({ idColumn: 'filename', columns: [{ name: 'relapse', type: 'probability' }] });
const mixed: SubmissionFormat = submissionFormatSchema.parse({
  idColumn: 'case',
  columns: [
    { name: 'count', type: 'integer', min: 0 },
    { name: 'size', type: 'float', min: -1, max: 10 },
    { name: 'grade', type: 'category', values: ['low', 'high'] },
  ],
});

const slides = ['a.tif', 'b.tif', 'c.tif'];

/** Feeds the text in small chunks, so records straddle chunk boundaries as they do from S3. */
function chunked(text: string | Buffer, size = 7): Readable {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

const validate = (text: string | Buffer, format: SubmissionFormat, ids: string[]) => validatePredictions(chunked(text), format, ids);

function failure(result: PredictionsValidation) {
  if (result.ok) throw new Error('expected the predictions to be refused');
  return result;
}

describe('validatePredictions: accepted files', () => {
  it('accepts a one-hot file with rows in any order', async () => {
    const result = await validate('filename,0,1,2,3\nc.tif,0,0,0,1\na.tif,1,0,0,0\nb.tif,0,1,0,0\n', tissuenet, slides);
    expect(result).toEqual({ ok: true, rows: 3 });
  });

  it('accepts a byte order mark, CRLF, quoted numbers, scientific notation and no final newline', async () => {
    const text = '\ufefffilename,relapse\r\n"a.tif","0.25"\r\nb.tif,1e-3\r\nc.tif,5E-1';
    expect(await validate(text, visiomel, slides)).toEqual({ ok: true, rows: 3 });
  });

  it('accepts reordered columns when every column is present', async () => {
    expect(await validate('relapse,filename\n0.1,a.tif\n0.2,b.tif\n0.3,c.tif\n', visiomel, slides)).toEqual({ ok: true, rows: 3 });
  });

  it('accepts quoted ids holding commas, quotes and line breaks', async () => {
    const ids = ['x,1', 'say "hi"', 'two\nlines'];
    const text = 'filename,relapse\n"x,1",0.5\n"say ""hi""",0.5\n"two\nlines",0.5\n';
    expect(await validate(text, visiomel, ids)).toEqual({ ok: true, rows: 3 });
  });

  it('checks integers, floats with bounds and categories', async () => {
    const good = 'case,count,size,grade\n1,3,9.5,low\n2,0,-1,high\n';
    expect(await validate(good, mixed, ['1', '2'])).toEqual({ ok: true, rows: 2 });
    const bad = failure(await validate('case,count,size,grade\n1,2.5,11,medium\n2,-1,0,low\n', mixed, ['1', '2']));
    expect(bad.counts.badValues).toBe(4);
    expect(bad.message).toContain('column "count": 1 value is not integers, 1 value is out of range [0, ∞]');
    expect(bad.message).toContain('column "size": 1 value is out of range [-1, 10]');
    expect(bad.message).toContain('column "grade": 1 value is not one of the allowed values');
  });
});

describe('validatePredictions: header problems', () => {
  it.each([
    ['a missing column', 'filename,0,1,2\n', 'missing column(s) "3"'],
    ['an extra column', 'filename,0,1,2,3,4\n', 'unexpected column(s) "4"'],
    ['a renamed column', 'Filename,0,1,2,3\n', 'missing column(s) "filename"; unexpected column(s) "Filename"'],
    ['a duplicated column', 'filename,0,1,2,3,3\n', 'the header repeats column(s) "3"'],
  ])('refuses %s', async (_case, header, expected) => {
    const result = failure(await validate(header + 'a.tif,1,0,0,0\n', tissuenet, ['a.tif']));
    expect(result.message).toContain(expected);
    expect(result.hint).toContain('filename,0,1,2,3');
  });

  it('summarises header problems for a hidden-data run as counts, never naming a column the file chose', async () => {
    const smuggled = ['test_0001.pgm:ab85ac7d', 'test_0002.pgm:728a8180', 'test_0003.pgm:8b877a71'];
    const result = failure(await validate(`filename,0,1,2,${smuggled.join(',')},${smuggled[0]}\na.tif,1,0,0,0\n`, tissuenet, ['a.tif']));
    expect(result.message).toContain(smuggled[1]);
    expect(result.summary).toBe('the predictions file is invalid: the header repeats 1 column; missing column(s) "3"; 4 unexpected columns');
  });

  it('names a few missing ids in the full wording only, never in the summary a team reads after hidden data', async () => {
    const result = failure(
      await validatePredictions(chunked('filename,0,1,2,3\na.tif,1,0,0,0\n'), tissuenet, ['a.tif', 'test_0007.pgm', 'test_0009.pgm'], { nameMissingIds: 3 }),
    );
    expect(result.message).toContain('"test_0007.pgm"');
    expect(result.summary).not.toContain('test_0007');
    expect(result.summary).toContain('2 expected ids are missing');
  });

  it('summarises an unreadable file without the line number the file chose', async () => {
    const lines = Array.from({ length: 37 }, (_, i) => `a${i}.tif,1,0,0,0`).join('\n');
    const result = failure(await validate(`filename,0,1,2,3\n${lines}\n"unclosed,1,0,0,0\n`, tissuenet, ['a.tif']));
    expect(result.message).toMatch(/line 39/);
    expect(result.summary).toBe('the predictions file is invalid: a quoted field is never closed');
  });

  it('refuses semicolon-separated files with a hint', async () => {
    const result = failure(await validate('filename;relapse\na.tif;0,5\n', visiomel, ['a.tif']));
    expect(result.message).toContain('separated by semicolons');
    expect(result.hint).toContain('commas');
  });

  it('refuses an empty file', async () => {
    expect(failure(await validate('', visiomel, slides)).message).toContain('the file is empty');
  });
});

describe('validatePredictions: ids', () => {
  it('counts missing, unknown and duplicate ids without naming them', async () => {
    const text = 'filename,relapse\na.tif,0.1\na.tif,0.2\nsecret-z.tif,0.3\n';
    const result = failure(await validate(text, visiomel, ['a.tif', 'b.tif', 'hidden-c.tif']));
    expect(result.counts).toMatchObject({ rows: 3, missingIds: 2, unknownIds: 1, duplicateIds: 1, badValues: 0 });
    expect(result.message).toBe(
      'the predictions file is invalid: 2 expected ids are missing (of 3); 1 row has an id that is not expected; 1 row repeats an id already given',
    );
    expect(result.message).not.toMatch(/a\.tif|b\.tif|hidden|secret/);
  });

  it('compares ids as exact strings: spaces and leading zeros count', async () => {
    const result = failure(await validate('filename,relapse\n 7,0.1\n07,0.2\n', visiomel, ['7', '007']));
    expect(result.counts).toMatchObject({ missingIds: 2, unknownIds: 2 });
  });
});

describe('validatePredictions: values', () => {
  it('refuses NaN, infinities, empty cells, non-numbers and out-of-range probabilities, by count', async () => {
    const text = 'filename,relapse\na,NaN\nb,inf\nc,\nd,high\ne,1.5\nf,-0.1\ng,0x1\n';
    const result = failure(await validate(text, visiomel, ['a', 'b', 'c', 'd', 'e', 'f', 'g']));
    expect(result.counts.badValues).toBe(7);
    expect(result.message).toContain(
      'column "relapse": 2 values are NaN or infinite, 1 value is empty, 2 values are not numbers, 2 values are out of range [0, 1]',
    );
    expect(result.message).not.toContain('high');
  });

  it('refuses decimal commas with a hint', async () => {
    const quoted = failure(await validate('filename,relapse\na,"0,5"\n', visiomel, ['a']));
    expect(quoted.message).toContain('written with a decimal comma');
    expect(quoted.hint).toContain('dot');
    const bare = failure(await validate('filename,relapse\na,0,5\n', visiomel, ['a']));
    expect(bare.counts.badRows).toBe(1);
    expect(bare.hint).toContain('dot');
  });

  it('refuses one-hot rows without exactly one 1 and binary values other than 0 and 1', async () => {
    const text = 'filename,0,1,2,3\na.tif,1,1,0,0\nb.tif,0,0,0,0\nc.tif,0,0,2,0\n';
    const result = failure(await validate(text, tissuenet, slides));
    expect(result.counts).toMatchObject({ notOneHotRows: 2, badValues: 1 });
    expect(result.message).toContain('2 rows do not have exactly one 1 among the columns "0", "1", "2", "3"');
    expect(result.message).toContain('column "2": 1 value is neither 0 nor 1');
  });
});

describe('validatePredictions: unreadable files', () => {
  it('recognises gzip renamed to .csv by its magic bytes', async () => {
    const result = failure(await validate(gzipSync('filename,relapse\na,0.5\n'), visiomel, ['a']));
    expect(result.message).toContain('gzip-compressed');
    expect(result.hint).toContain('plain CSV');
  });

  it('refuses bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('filename,relapse\n'), Buffer.from([0x63, 0xe9, 0x2c, 0x30, 0x0a])]);
    expect(failure(await validate(bytes, visiomel, ['cé'])).message).toContain('not valid UTF-8');
  });

  it('refuses a one-megabyte line without buffering it', async () => {
    const line = 'x'.repeat(1024 * 1024);
    async function* source() {
      yield 'filename,relapse\n';
      for (let i = 0; i < 1024; i++) yield line.slice(i * 1024, (i + 1) * 1024);
      throw new Error('read past the line limit');
    }
    const result = failure(await validatePredictions(source(), visiomel, ['a']));
    expect(result.message).toContain('line 2 is longer than 65536 bytes');
  });

  it('refuses a quoted field that is never closed', async () => {
    expect(failure(await validate('filename,relapse\n"a,0.5\n', visiomel, ['a'])).message).toContain('never closed');
  });
});
