import type { TrainingJobRecord } from './training-job-record.ts';

/**
 * A training job as its team sees it. Outputs are listed by path, size and SHA-256 only: they are
 * used in place (`podium submit --with-outputs`), never downloaded, so data marked `download:
 * false` cannot leave the account through a model trained on it.
 */
export function trainingJobView(job: TrainingJobRecord) {
  return {
    id: job.id,
    challengeId: job.challengeId,
    phaseId: job.phaseId,
    teamId: job.teamId,
    status: job.status,
    createdAt: job.createdAt,
    ...(job.queuedAt ? { queuedAt: job.queuedAt } : {}),
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.endedAt ? { endedAt: job.endedAt } : {}),
    timeLimitSeconds: job.runSecondsLimit,
    budgetLimited: job.budgetLimited,
    ...(job.runSeconds !== undefined ? { runSeconds: Math.ceil(job.runSeconds) } : {}),
    ...(job.message ? { message: job.message } : {}),
    outputs: job.outputs ?? [],
  };
}
export type TrainingJobView = ReturnType<typeof trainingJobView>;
