import { describe, expect, it } from 'vitest';
import { submissionFormatSchema, type Metric } from '#shared/challenge/definition-schema.ts';
import { PodiumError } from '#shared/errors.ts';
import { createMetricAccumulator } from '#shared/scoring/metrics/index.ts';

/**
 * Expected values are literals computed independently of this code: scikit-learn's documented
 * examples where noted, otherwise /usr/bin/python3 + numpy with the formulas written out by hand
 * (ROC AUC as the trapezoid over distinct thresholds, the way scikit-learn builds its curve).
 */

const single = (type: 'probability' | 'integer' | 'float') => submissionFormatSchema.parse({ idColumn: 'id', columns: [{ name: 'y', type }] });
const oneHot4 = submissionFormatSchema.parse({ idColumn: 'id', oneHot: true, columns: ['0', '1', '2', '3'].map((name) => ({ name, type: 'binary' })) });
const twoFloats = submissionFormatSchema.parse({ idColumn: 'id', columns: [{ name: 'a', type: 'float' }, { name: 'b', type: 'float' }] });
const TISSUENET: Metric = { kind: 'cost-matrix', matrix: [[0, 0.1, 0.7, 1], [0.1, 0, 0.3, 0.7], [0.7, 0.3, 0, 0.3], [1, 0.7, 0.3, 0]] };

const oneHotRow = (k: number) => [0, 1, 2, 3].map((c) => (c === k ? 1 : 0));

function score(metric: Metric, format = single('probability'), truth: number[][], predictions: number[][]): number {
  const accumulator = createMetricAccumulator(metric, format);
  truth.forEach((row, i) => accumulator.add(row, predictions[i]!));
  return accumulator.result();
}
const column = (values: number[]) => values.map((value) => [value]);

// Classes of ten rows, one of each kind of miss (numpy: C[t, p] confusion matrix).
const trueClasses = [0, 1, 2, 3, 2, 1, 0, 3, 3, 2];
const predictedClasses = [0, 2, 2, 3, 1, 1, 0, 0, 3, 3];

describe('classification metrics', () => {
  it('TissueNet cost matrix: 1 − mean cost[true][pred] (numpy: 1 - mean(M[t, q]) = 0.81)', () => {
    expect(score(TISSUENET, oneHot4, trueClasses.map(oneHotRow), predictedClasses.map(oneHotRow))).toBeCloseTo(0.81, 12);
  });

  it('a perfect TissueNet submission scores 1, always predicting benign on invasive scores 0', () => {
    expect(score(TISSUENET, oneHot4, [oneHotRow(2)], [oneHotRow(2)])).toBe(1);
    expect(score(TISSUENET, oneHot4, [oneHotRow(3)], [oneHotRow(0)])).toBe(0);
  });

  it('accuracy on one-hot rows (numpy: mean(t == q) = 0.6)', () => {
    expect(score({ kind: 'accuracy' }, oneHot4, trueClasses.map(oneHotRow), predictedClasses.map(oneHotRow))).toBeCloseTo(0.6, 12);
  });

  it('balanced accuracy (numpy: mean(diag(C) / C.sum(1)) = 0.625)', () => {
    expect(score({ kind: 'balanced-accuracy' }, single('integer'), column(trueClasses), column(predictedClasses))).toBeCloseTo(0.625, 12);
  });

  it('macro-F1 (numpy: mean(2 diag(C) / (C.sum(1) + C.sum(0))) = 0.5916666666666667)', () => {
    expect(score({ kind: 'macro-f1' }, single('integer'), column(trueClasses), column(predictedClasses))).toBeCloseTo(0.5916666666666667, 12);
  });

  it('a class only ever predicted: ignored by balanced accuracy (0.75), scored 0 by macro-F1 (0.5555555555555555)', () => {
    const truth = column([0, 0, 1, 1]);
    const predicted = column([0, 2, 1, 1]);
    expect(score({ kind: 'balanced-accuracy' }, single('integer'), truth, predicted)).toBeCloseTo(0.75, 12);
    expect(score({ kind: 'macro-f1' }, single('integer'), truth, predicted)).toBeCloseTo(0.5555555555555555, 12);
  });
});

describe('probability metrics', () => {
  it("ROC AUC: scikit-learn's documented example roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75", () => {
    expect(score({ kind: 'roc-auc' }, single('probability'), column([0, 0, 1, 1]), column([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(0.75, 12);
  });

  it('ROC AUC with scores tied across classes counts ties as one half (numpy trapezoid: 0.88)', () => {
    const truth = column([0, 0, 1, 1, 0, 1, 0, 1, 1, 0]);
    const scores = column([0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.4, 0.65, 0.05]);
    expect(score({ kind: 'roc-auc' }, single('probability'), truth, scores)).toBeCloseTo(0.88, 12);
  });

  it('ROC AUC is undefined (NaN) when a split holds one class only', () => {
    expect(score({ kind: 'roc-auc' }, single('probability'), column([1, 1]), column([0.2, 0.3]))).toBeNaN();
  });

  it("log loss: scikit-learn's documented example (spam/ham) = 0.21616187468057912", () => {
    const loss = score({ kind: 'log-loss', eps: 1e-15 }, single('probability'), column([1, 0, 0, 1]), column([0.9, 0.1, 0.2, 0.65]));
    expect(loss).toBeCloseTo(0.21616187468057912, 12);
  });

  it('log loss on ten rows (numpy: mean(-log(clip(p_true, eps, 1 - eps))) = 0.41268484483288914)', () => {
    const truth = column([0, 0, 1, 1, 0, 1, 0, 1, 1, 0]);
    const scores = column([0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.4, 0.65, 0.05]);
    expect(score({ kind: 'log-loss', eps: 1e-15 }, single('probability'), truth, scores)).toBeCloseTo(0.41268484483288914, 12);
  });

  it("log loss clips confident mistakes to −log(eps) (VisioMel's eps 1e-16; numpy: 24.791956718789802)", () => {
    const loss = score({ kind: 'log-loss', eps: 1e-16 }, single('probability'), column([1, 0, 1]), column([0, 1, 0.5]));
    expect(loss).toBeCloseTo(24.791956718789802, 10);
  });

  it('binary metrics refuse labels other than 0 and 1 as an organiser error', () => {
    expect(() => score({ kind: 'log-loss', eps: 1e-15 }, single('probability'), column([0.5]), column([0.5]))).toThrow(PodiumError);
  });
});

describe('regression metrics', () => {
  it("RMSE and MAE: scikit-learn's documented example (single output: 0.6123724356957945, 0.5)", () => {
    const truth = column([3, -0.5, 2, 7]);
    const predicted = column([2.5, 0, 2, 8]);
    expect(score({ kind: 'rmse' }, single('float'), truth, predicted)).toBeCloseTo(0.6123724356957945, 12);
    expect(score({ kind: 'mae' }, single('float'), truth, predicted)).toBeCloseTo(0.5, 12);
  });

  it('RMSE and MAE average over columns (numpy: 0.8227486121839513, 0.75)', () => {
    const truth = [[0.5, 1], [-1, 1], [7, -6]];
    const predicted = [[0, 2], [-1, 2], [8, -5]];
    expect(score({ kind: 'rmse' }, twoFloats, truth, predicted)).toBeCloseTo(0.8227486121839513, 12);
    expect(score({ kind: 'mae' }, twoFloats, truth, predicted)).toBeCloseTo(0.75, 12);
  });
});
