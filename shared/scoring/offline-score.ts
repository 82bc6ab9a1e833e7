import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { findDataset, loadChallenge, requirePhase } from '../challenge/load-challenge.ts';
import { higherIsBetter, type Metric } from '../challenge/definition-schema.ts';
import { PodiumError } from '../errors.ts';
import type { PredictionsCounts } from './predictions-check.ts';
import { scorePredictionFiles } from './score-prediction-files.ts';
import type { SplitScores } from './score-predictions.ts';
import { scorerVersionOf } from './scorer-version.ts';

export interface OfflineScoreRequest {
  challengeDir: string;
  phaseId: string;
  predictionsPath: string;
  labelsPath: string;
}

/** What `podium score` prints: `text` for people, the rest (without `text`) for `--json`. */
export interface OfflineScoreResult {
  ok: boolean;
  challengeId: string;
  phaseId: string;
  datasetId: string;
  metric: string;
  higherIsBetter: boolean;
  scorerVersion: string;
  rows?: number;
  scores?: SplitScores;
  errors?: { message: string; problems: string[]; counts: PredictionsCounts; hint?: string };
  text: string;
}

async function requireFile(path: string, what: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new PodiumError('NOT_FOUND', `the ${what} file ${path} was not found`);
}

/** How a metric reads in text: a built-in one by its kind, a program by its file and score name. */
export function metricLabel(metric: Metric): string {
  return metric.kind === 'program' ? `the scoring program ${metric.path} (score "${metric.score}")` : metric.kind;
}

/**
 * Scores a predictions file offline exactly as the scoring job would, so organisers can check
 * their metric and labels: `podium score --challenge <dir> --phase <id> <predictions.csv> <labels.csv> [--json]`.
 * Invalid predictions are a result (`ok: false`), not an exception; a bad challenge, phase or
 * labels file throws a PodiumError naming it, and a failing scoring program a ScoringProgramError
 * with what it printed.
 */
export async function offlineScore(request: OfflineScoreRequest): Promise<OfflineScoreResult> {
  const challenge = await loadChallenge(request.challengeDir);
  const phase = requirePhase(challenge, request.phaseId);
  const dataset = findDataset(challenge, phase.dataset)!;
  await requireFile(request.predictionsPath, 'predictions');
  await requireFile(request.labelsPath, 'labels');
  const program = challenge.scoringProgram ? { scoringProgram: challenge.scoringProgram } : {};
  const outcome = await scorePredictionFiles(
    { format: challenge.submissionFormat, metric: challenge.metric, secondaryMetrics: challenge.secondaryMetrics, dataset, ...program },
    request.predictionsPath,
    request.labelsPath,
    { workRoot: tmpdir() },
  );
  const scorerVersion = scorerVersionOf(challenge);
  const base = {
    challengeId: challenge.id,
    phaseId: phase.id,
    datasetId: dataset.id,
    metric: challenge.metric.kind,
    higherIsBetter: higherIsBetter(challenge.metric),
    scorerVersion,
  };
  if (!outcome.ok) {
    const { message, problems, counts, hint } = outcome;
    const lines = ['Predictions are invalid:', ...problems.map((problem) => `  - ${problem}`)];
    if (hint) lines.push(`Hint: ${hint}`);
    return { ok: false, ...base, errors: { message, problems, counts, ...(hint ? { hint } : {}) }, text: lines.join('\n') };
  }
  const show = (value: number) => value.toFixed(challenge.scorePrecision);
  const direction = base.higherIsBetter ? 'higher is better' : 'lower is better';
  const lines = [`${challenge.id} / ${phase.id}: ${outcome.rows} rows scored with ${metricLabel(challenge.metric)} (${direction}, scorer ${scorerVersion})`];
  lines.push(`  overall: ${show(outcome.scores.overall)}`);
  if (outcome.scores.public !== undefined) lines.push(`  public:  ${show(outcome.scores.public)}`);
  if (outcome.scores.private !== undefined) lines.push(`  private: ${show(outcome.scores.private)}`);
  for (const metric of challenge.secondaryMetrics ?? []) {
    const scores = outcome.scores.secondary?.[metric.name];
    if (!scores) continue;
    const showIt = (value: number) => value.toFixed(metric.precision ?? challenge.scorePrecision);
    const splits = (['overall', 'public', 'private'] as const).flatMap((split) => (scores[split] === undefined ? [] : [`${split} ${showIt(scores[split]!)}`]));
    lines.push(`  ${metric.name} (${metric.kind}, ${higherIsBetter(metric) ? 'higher' : 'lower'} is better): ${splits.join(', ')}`);
  }
  return { ok: true, ...base, rows: outcome.rows, scores: outcome.scores, text: lines.join('\n') };
}
