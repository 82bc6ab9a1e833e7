import * as z from 'zod';
import { runtimeSchema, trainingSchema } from '../challenge/definition-schema.ts';
import { jobEnvJson } from '../pipeline/job-env-json.ts';
import { TRAINING_SPEC_ENV } from './training-run-spec.ts';

// The run spec and result as the job and the job-state handler parse them; apart from
// training-run-spec.ts so the API, which only builds specs, does not carry the schemas.

/**
 * Everything the training job needs to know about one run, decided by the platform (which reads
 * the table) and passed in the job's environment at SubmitJob time, as for inference: the
 * container that runs a team's train.py holds no table credentials, only S3 reads of the archive
 * and the training data and writes under the job's own keys.
 */
export const trainingRunSpecSchema = z
  .object({
    trainingJobId: z.string().regex(/^[A-Za-z0-9_-]+$/),
    challengeId: z.string().min(1),
    phaseId: z.string().min(1),
    teamId: z.string().min(1),
    archiveKey: z.string().min(1),
    /** The challenge's training datasets, staged read-only under the phase's data mount. */
    datasets: z.array(z.string().min(1)),
    runtime: runtimeSchema,
    training: trainingSchema,
    /** The budget's hold on this run: train.py is stopped after this many seconds. */
    runSeconds: z.number().positive(),
    /** True when the hold is what was left of the budget (a stop then reads BUDGET_EXHAUSTED), false when it is the phase's time limit. */
    budgetLimited: z.boolean(),
  })
  .strict();

export type TrainingRunSpec = z.infer<typeof trainingRunSpecSchema>;

/** How a run ended, as the job writes it to `result.json` and the platform records it (finishTrainingJob). */
export const trainingRunResultSchema = z
  .object({
    end: z.enum(['SUCCEEDED', 'FAILED', 'TIMEOUT', 'BUDGET_EXHAUSTED', 'CANCELLED']),
    message: z.string(),
    runSeconds: z.number().min(0),
    outputs: z.array(z.object({ path: z.string().min(1), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()),
  })
  .strict();
export type TrainingRunResult = z.infer<typeof trainingRunResultSchema>;

/** Reads the spec from the job's environment; missing or malformed is a misconfigured job. */
export function trainingRunSpecFromEnv(env: NodeJS.ProcessEnv = process.env): TrainingRunSpec {
  const spec = jobEnvJson(env, TRAINING_SPEC_ENV, trainingRunSpecSchema);
  if (!spec) throw new Error(`${TRAINING_SPEC_ENV} is not set: the training job is submitted with its run spec (shared/training/batch-training-launcher.ts)`);
  return spec;
}
