import { createReadStream } from 'node:fs';
import type { ScoringProgram } from '../challenge/scoring-program.ts';
import { PodiumError } from '../errors.ts';
import { scoreBuiltInMetrics, scorePredictions, type ScoreOutcome, type ScoringRules, type SplitScore } from './score-predictions.ts';
import { runScoringProgram } from './scoring-program.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';

export interface FileScoringRules extends ScoringRules {
  /** The challenge's scoring program, when `metric.kind` is `program`. */
  scoringProgram?: ScoringProgram;
}

export interface FileScoringOptions {
  /** Where a scoring program's run folder is made. */
  workRoot: string;
  mode?: SandboxMode;
}

/**
 * Scores a predictions file against a labels file on disk, whatever the metric: built-in metrics
 * stream both files; a scoring program runs, sandboxed, once the platform has validated the
 * predictions against the labels (and computed any built-in secondary metric), and its printed
 * scores take their places among the primary and secondary scores. One path for the scoring job,
 * rescoring, `podium score` and `podium validate`, so they agree.
 * Throws ScoringProgramError when the program fails (the organiser's to fix).
 */
export async function scorePredictionFiles(
  rules: FileScoringRules,
  predictionsPath: string,
  labelsPath: string,
  options: FileScoringOptions,
): Promise<ScoreOutcome> {
  const predictions = () => createReadStream(predictionsPath);
  const labels = () => createReadStream(labelsPath);
  const { metric } = rules;
  if (metric.kind !== 'program') return scorePredictions(rules, predictions, labels);
  if (!rules.scoringProgram) {
    const why = `the challenge names the scoring program ${metric.path} but its record carries no program text; register the challenge again`;
    throw new PodiumError('INTERNAL', why);
  }
  const checked = await scoreBuiltInMetrics(rules, predictions, labels);
  if (!checked.ok) return checked;
  const printed = await runScoringProgram({
    program: rules.scoringProgram,
    metric,
    ...(rules.secondaryMetrics ? { secondaryMetrics: rules.secondaryMetrics } : {}),
    format: rules.format,
    split: Boolean(rules.dataset.splitColumn),
    labelsPath,
    predictionsPath,
    workRoot: options.workRoot,
    ...(options.mode ? { mode: options.mode } : {}),
  });
  const secondary: [string, SplitScore][] = (rules.secondaryMetrics ?? []).flatMap((each) => {
    const scores = each.kind === 'program' ? printed[each.name] : checked.secondary?.[each.name];
    return scores ? [[each.name, scores] as [string, SplitScore]] : [];
  });
  return { ok: true, scores: { ...printed[metric.score]!, ...(secondary.length > 0 ? { secondary: Object.fromEntries(secondary) } : {}) }, rows: checked.rows };
}
