import { PodiumError } from '../../errors.ts';

/** The 0/1 truth of a binary metric; other label values are an organiser's mistake. */
export function binaryTruth(value: number): 0 | 1 {
  if (value === 0 || value === 1) return value;
  throw new PodiumError('LABELS_INVALID', 'the labels hold a value other than 0 or 1 for a binary metric (ROC AUC, log loss)');
}
