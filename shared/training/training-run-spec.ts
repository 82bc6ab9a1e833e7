import * as z from 'zod';
import { requirePhase, type Challenge } from '../challenge/challenge.ts';
import { runtimeSchema, trainingSchema } from '../challenge/definition-schema.ts';
import { jobEnvJson } from '../pipeline/job-env-json.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { trainingOf } from './training-budget.ts';
import type { TrainingJobRecord } from './training-job-record.ts';

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

/** The variable that carries the spec, as JSON. */
export const TRAINING_SPEC_ENV = 'PODIUM_TRAINING_SPEC';

/** The spec of a queued job, from its record and the challenge. */
export function trainingRunSpec(challenge: Challenge, job: TrainingJobRecord): TrainingRunSpec {
  const phase = requirePhase(challenge, job.phaseId);
  return {
    trainingJobId: job.id,
    challengeId: job.challengeId,
    phaseId: job.phaseId,
    teamId: job.teamId,
    archiveKey: job.archiveKey,
    datasets: challenge.datasets.filter((dataset) => dataset.kind === 'training').map((dataset) => dataset.id),
    runtime: phase.runtime,
    training: trainingOf(phase),
    runSeconds: job.runSecondsLimit,
    budgetLimited: job.budgetLimited,
  };
}

/** Where a run writes, all under its own job's prefix: its outputs, its log, and its result for the platform. */
export function trainingRunKeys(spec: Pick<TrainingRunSpec, 'challengeId' | 'phaseId' | 'teamId' | 'trainingJobId'>) {
  const at = [spec.challengeId, spec.phaseId, spec.teamId, spec.trainingJobId] as const;
  return { outputsPrefix: objectKeys.trainingOutputsPrefix(...at), log: objectKeys.trainingLog(...at), result: objectKeys.trainingResult(...at) };
}

/** Reads the spec from the job's environment; missing or malformed is a misconfigured job. */
export function trainingRunSpecFromEnv(env: NodeJS.ProcessEnv = process.env): TrainingRunSpec {
  const spec = jobEnvJson(env, TRAINING_SPEC_ENV, trainingRunSpecSchema);
  if (!spec) throw new Error(`${TRAINING_SPEC_ENV} is not set: the training job is submitted with its run spec (shared/training/batch-training-launcher.ts)`);
  return spec;
}

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

/** The job image's argument that runs a training job rather than an inference run (batch-jobs/inference/main.ts). */
export const TRAINING_COMMAND = 'training';
