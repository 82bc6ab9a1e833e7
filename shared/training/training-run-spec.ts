import { requirePhase, type Challenge } from '../challenge/challenge.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { trainingOf } from './training-budget.ts';
import type { TrainingJobRecord } from './training-job-record.ts';
import type { TrainingRunSpec } from './training-run-schemas.ts';

export type { TrainingRunResult, TrainingRunSpec } from './training-run-schemas.ts';

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

/** The job image's argument that runs a training job rather than an inference run (batch-jobs/inference/main.ts). */
export const TRAINING_COMMAND = 'training';
