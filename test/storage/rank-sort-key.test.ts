import { describe, expect, it } from 'vitest';
import { rankPrefix, rankSortKey } from '#shared/storage/rank-sort-key.ts';

const at = (day: number) => `2026-06-0${day}T12:00:00.000Z`;
const sorted = (keys: string[]) => [...keys].sort();

describe('rank sort keys with secondary scores', () => {
  it('orders by the primary score, then each secondary score in its own direction, then the submission time', () => {
    const higherF1 = (f1: number, loss: number, day: number) =>
      rankSortKey(0.8, true, at(day), [
        { score: f1, higherIsBetter: true },
        { score: loss, higherIsBetter: false },
      ]);
    const best = higherF1(0.7, 0.5, 3);
    const lowerLoss = higherF1(0.6, 0.2, 2);
    const higherLoss = higherF1(0.6, 0.4, 1);
    const sameButLater = higherF1(0.6, 0.4, 4);
    const worsePrimary = rankSortKey(0.79, true, at(1), [
      { score: 1, higherIsBetter: true },
      { score: 0, higherIsBetter: false },
    ]);
    expect(sorted([worsePrimary, sameButLater, higherLoss, lowerLoss, best])).toEqual([best, lowerLoss, higherLoss, sameButLater, worsePrimary]);
  });

  it('keeps the key of a board without secondary scores unchanged, and ties share a prefix', () => {
    expect(rankSortKey(0.5, true, at(1))).toBe(`${rankPrefix(0.5, true)}#${at(1)}`);
    expect(rankPrefix(0.5, true, [{ score: -0, higherIsBetter: true }])).toBe(rankPrefix(0.5, true, [{ score: 0, higherIsBetter: true }]));
    expect(() => rankSortKey(0.5, true, at(1), [{ score: Number.NaN, higherIsBetter: true }])).toThrow(RangeError);
  });
});
