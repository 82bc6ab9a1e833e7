import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smokeDatasetOf, type Challenge } from '#shared/challenge/load-challenge.ts';
import { FORMAT_FILE } from '#shared/pipeline/run-submission.ts';
import { scorePredictionFiles } from '#shared/scoring/score-prediction-files.ts';
import type { SplitScore } from '#shared/scoring/score-predictions.ts';
import { ScoringProgramError } from '#shared/scoring/scoring-program.ts';
import { CliError } from './output.ts';

export interface ProgramCheck {
  program: string;
  sha256: string;
  dataset: string;
  predictions: string;
  rows: number;
  /** Each score the program printed, by name: the primary one first. */
  scores: Record<string, SplitScore>;
}

const isFile = async (path: string) => (await stat(path).catch(() => undefined))?.isFile() ?? false;

/**
 * `podium validate` on a challenge whose metric is a scoring program: runs the program, sandboxed
 * as the scoring job runs it, on the phase's smoke dataset: its labels.csv against the given sample
 * predictions, else the smoke submission_format.csv (a valid, if poor, submission). Returns
 * undefined when there is nothing to run it on; a failing program is a CliError with its output.
 */
export async function checkScoringProgram(
  challenge: Challenge,
  phaseId: string,
  dataRoot: string,
  predictionsPath?: string,
): Promise<ProgramCheck | undefined> {
  const { metric, scoringProgram } = challenge;
  if (metric.kind !== 'program' || !scoringProgram) return undefined;
  const smoke = smokeDatasetOf(challenge, phaseId);
  if (!smoke) return undefined;
  const labelsPath = join(dataRoot, smoke.id, 'labels.csv');
  if (!(await isFile(labelsPath))) return undefined;
  const predictions = predictionsPath ?? join(dataRoot, smoke.id, 'inputs', FORMAT_FILE);
  const rules = { format: challenge.submissionFormat, metric, secondaryMetrics: challenge.secondaryMetrics, dataset: smoke, scoringProgram };
  let outcome;
  try {
    outcome = await scorePredictionFiles(rules, predictions, labelsPath, { workRoot: tmpdir() });
  } catch (error) {
    if (error instanceof ScoringProgramError) {
      throw new CliError('SCORING_PROGRAM_FAILED', `${scoringProgram.path} failed on the smoke data (${labelsPath}, ${predictions}): ${error.message}`);
    }
    throw error;
  }
  if (!outcome.ok) throw new CliError('PREDICTIONS_INVALID', `${predictions} cannot be scored against ${labelsPath}:\n  ${outcome.problems.join('\n  ')}`);
  const scores: Record<string, SplitScore> = { [metric.score]: { overall: outcome.scores.overall } };
  for (const [name, each] of Object.entries(outcome.scores.secondary ?? {})) scores[name] = each;
  return { program: scoringProgram.path, sha256: scoringProgram.sha256, dataset: smoke.id, predictions, rows: outcome.rows, scores };
}
