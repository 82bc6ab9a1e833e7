import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { requirePhase, smokeDatasetOf, type Challenge } from '#shared/challenge/load-challenge.ts';
import { FORMAT_FILE, readExpectedIds } from '#shared/pipeline/run-submission.ts';
import { validatePredictions } from '#shared/scoring/validate-predictions.ts';
import { CliError, usageError } from './output.ts';

/** Checks a predictions file as the platform would after a smoke run of the phase. */
export async function validatePredictionsFile(
  challenge: Challenge,
  phaseId: string,
  predictionsPath: string,
  dataRoot: string | undefined,
): Promise<{ rows: number }> {
  requirePhase(challenge, phaseId);
  const smoke = smokeDatasetOf(challenge, phaseId);
  if (!smoke) throw usageError(`phase "${phaseId}" has no smoke dataset, so there are no sample ids to check against`);
  if (!dataRoot) throw usageError('--predictions needs the data folder to know the expected ids', 'pass --data <dataRoot>');
  const formatFile = join(dataRoot, smoke.id, 'inputs', FORMAT_FILE);
  const ids = await readExpectedIds(formatFile, challenge.submissionFormat).catch((error: Error) => {
    throw (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? usageError(`${formatFile} could not be read`)
      : new CliError('DATA_INVALID', `${formatFile}: ${error.message}`);
  });
  // Smoke ids are public, so naming a few missing ones is safe.
  const result = await validatePredictions(createReadStream(predictionsPath), challenge.submissionFormat, ids, { nameMissingIds: 3 });
  if (!result.ok) {
    throw new CliError('PREDICTIONS_INVALID', `${predictionsPath} is invalid:\n  ${result.problems.join('\n  ')}`, {
      details: { problems: result.problems, counts: result.counts },
      hint: result.hint,
    });
  }
  return { rows: result.rows };
}
