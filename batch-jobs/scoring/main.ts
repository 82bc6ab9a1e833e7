import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { runJobEntrypoint } from '../job-entrypoint.ts';

/**
 * Entrypoint of the scoring job. Invalid predictions are recorded as PREDICTIONS_INVALID (exit 0);
 * missing labels or predictions and S3 or DynamoDB errors are platform faults (exit 1). Scores are
 * logged; hidden labels never are.
 */
await runJobEntrypoint('scoring', runScoringJob);
