import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { smokeDatasetOf, type Challenge } from '#shared/challenge/load-challenge.ts';
import { validatePredictions } from '#shared/scoring/validate-predictions.ts';
import { CliError, usageError } from './output.ts';

/** The ids a run must predict: the id column of the dataset's submission_format.csv. */
export async function smokeIdsFromFormatFile(format: Challenge['submissionFormat'], smokeInputsFormat: string): Promise<string[]> {
  const text = await readFile(smokeInputsFormat, 'utf8').catch(() => {
    throw usageError(`${smokeInputsFormat} could not be read`);
  });
  const [header = '', ...lines] = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const unquote = (field: string) => field.replace(/^"(.*)"$/, '$1').replaceAll('""', '"');
  const position = header.split(',').map(unquote).indexOf(format.idColumn);
  if (position < 0) throw new CliError('DATA_INVALID', `${smokeInputsFormat} has no "${format.idColumn}" column`);
  return lines.filter((line) => line.length > 0).map((line) => unquote(line.split(',')[position] ?? ''));
}

/** Checks a predictions file as the platform would after a smoke run of the phase. */
export async function validatePredictionsFile(challenge: Challenge, phaseId: string, predictionsPath: string, dataRoot: string | undefined): Promise<{ rows: number }> {
  if (!challenge.phases.some((phase) => phase.id === phaseId)) {
    throw usageError(`phase "${phaseId}" is not in ${challenge.id} (phases: ${challenge.phases.map((p) => p.id).join(', ')})`);
  }
  const smoke = smokeDatasetOf(challenge, phaseId);
  if (!smoke) throw usageError(`phase "${phaseId}" has no smoke dataset, so there are no sample ids to check against`);
  if (!dataRoot) throw usageError('--predictions needs the data folder to know the expected ids', 'pass --data <dataRoot>');
  const ids = await smokeIdsFromFormatFile(challenge.submissionFormat, join(dataRoot, smoke.id, 'inputs', 'submission_format.csv'));
  const result = await validatePredictions(createReadStream(predictionsPath), challenge.submissionFormat, ids);
  if (!result.ok) {
    throw new CliError('PREDICTIONS_INVALID', `${predictionsPath} is invalid:\n  ${result.problems.join('\n  ')}`, { details: { problems: result.problems, counts: result.counts }, hint: result.hint });
  }
  return { rows: result.rows };
}
