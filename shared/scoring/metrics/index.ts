import type { BuiltInMetric, SubmissionFormat } from '../../challenge/definition-schema.ts';
import { accuracy } from './accuracy.ts';
import { balancedAccuracy } from './balanced-accuracy.ts';
import { classDecoder } from './class-of.ts';
import { costMatrixScore } from './cost-matrix.ts';
import { logLoss } from './log-loss.ts';
import { macroF1 } from './macro-f1.ts';
import { mae } from './mae.ts';
import type { MetricAccumulator } from './metric.ts';
import { rmse } from './rmse.ts';
import { rocAuc } from './roc-auc.ts';

export type { MetricAccumulator } from './metric.ts';

/** A fresh accumulator for the challenge's metric; one per leaderboard split. */
export function createMetricAccumulator(metric: BuiltInMetric, format: SubmissionFormat): MetricAccumulator {
  switch (metric.kind) {
    case 'cost-matrix':
      return costMatrixScore(metric.matrix);
    case 'accuracy':
      return accuracy(classDecoder(format));
    case 'balanced-accuracy':
      return balancedAccuracy(classDecoder(format));
    case 'macro-f1':
      return macroF1(classDecoder(format));
    case 'roc-auc':
      return rocAuc();
    case 'log-loss':
      return logLoss(metric.eps);
    case 'rmse':
      return rmse(format.columns.length);
    case 'mae':
      return mae(format.columns.length);
  }
}
