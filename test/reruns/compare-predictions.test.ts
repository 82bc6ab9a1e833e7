import { describe, expect, it } from 'vitest';
import { comparePredictions } from '#shared/reruns/compare-predictions.ts';

const file = (rows: string[]) => Buffer.from(['filename,relapse', ...rows].join('\n') + '\n');

describe('comparing a rerun with the original predictions', () => {
  it('calls the same bytes identical', async () => {
    expect(await comparePredictions(file(['a,0.25', 'b,0.5']), file(['a,0.25', 'b,0.5']), 0)).toEqual({
      agreement: 'identical',
      differingRows: 0,
      rows: 2,
      maxAbsDifference: 0,
    });
  });

  it('calls other bytes with every value within the tolerance within-tolerance, whatever the row order or number format', async () => {
    const rerun = file(['b,5.0000000001e-1', 'a,0.25']);
    expect(await comparePredictions(file(['a,0.25', 'b,0.5']), rerun, 1e-9)).toMatchObject({ agreement: 'within-tolerance', differingRows: 0, rows: 2 });
    expect((await comparePredictions(file(['a,0.25', 'b,0.5']), rerun, 1e-9)).maxAbsDifference).toBeCloseTo(1e-11, 15);
  });

  it('calls a value beyond the tolerance, a missing or extra id, or other columns different, with counts', async () => {
    expect(await comparePredictions(file(['a,0.25', 'b,0.5']), file(['a,0.25', 'b,0.75']), 1e-9)).toMatchObject({
      agreement: 'different',
      differingRows: 1,
      maxAbsDifference: 0.25,
    });
    expect(await comparePredictions(file(['a,0.25', 'b,0.5']), file(['a,0.25', 'c,0.5']), 1e-9)).toMatchObject({ agreement: 'different', differingRows: 2 });
    const otherColumns = Buffer.from('filename,other\na,0.25\nb,0.5\n');
    expect(await comparePredictions(file(['a,0.25', 'b,0.5']), otherColumns, 1)).toMatchObject({
      agreement: 'different',
      note: 'the two files have different columns',
    });
  });
});
