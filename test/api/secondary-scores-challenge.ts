import { tissuenet } from './api-harness.ts';

const TISSUENET_COSTS = [
  [0.0, 0.1, 0.7, 1.0],
  [0.1, 0.0, 0.3, 0.7],
  [0.7, 0.3, 0.0, 0.3],
  [1.0, 0.7, 0.3, 0.0],
];

/** TissueNet ranked by accuracy; macro-F1 (higher is better) breaks its ties, then the TissueNet cost score. */
export const withSecondaryScores = () =>
  tissuenet((challenge) => {
    challenge.metric = { kind: 'accuracy' };
    challenge.secondaryMetrics = [
      { name: 'macro_f1', kind: 'macro-f1' },
      { name: 'cost', kind: 'cost-matrix', matrix: TISSUENET_COSTS, precision: 2 },
    ];
  });
