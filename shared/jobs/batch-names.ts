/**
 * Deterministic names of each phase's Batch resources. The platform stack's Lambdas address a
 * phase's queue and job definitions by these names, so a phase stack (the final one, say) can be
 * deployed and destroyed on its own without cross-stack references.
 */
export const batchNames = {
  jobQueue: (challengeId: string, phaseId: string) => `${challengeId}-${phaseId}-jobs`,
  inferenceJobDefinition: (challengeId: string, phaseId: string) => `${challengeId}-${phaseId}-inference`,
  scoringJobDefinition: (challengeId: string, phaseId: string) => `${challengeId}-${phaseId}-scoring`,
  schedulingPolicy: (challengeId: string, phaseId: string) => `${challengeId}-${phaseId}-fair-share`,
  /** Training jobs have a queue of their own on the GPU instances: hours-long runs never hold up inference and scoring. */
  trainingJobQueue: (challengeId: string, phaseId: string) => `${challengeId}-${phaseId}-training`,
  trainingJobDefinition: (challengeId: string, phaseId: string) => `${challengeId}-${phaseId}-training`,
  trainingSchedulingPolicy: (challengeId: string, phaseId: string) => `${challengeId}-${phaseId}-training-fair-share`,
};

/** The job definition of a kind of job on a phase (JOB_DEFINITION in job-runner.ts). */
export function jobDefinitionName(kind: 'inference' | 'scoring' | 'training', challengeId: string, phaseId: string): string {
  if (kind === 'training') return batchNames.trainingJobDefinition(challengeId, phaseId);
  return kind === 'inference' ? batchNames.inferenceJobDefinition(challengeId, phaseId) : batchNames.scoringJobDefinition(challengeId, phaseId);
}

/** The queue a job definition's jobs wait in: training has its own, the others share the phase's. */
export function jobQueueName(kind: 'inference' | 'scoring' | 'training', challengeId: string, phaseId: string): string {
  return kind === 'training' ? batchNames.trainingJobQueue(challengeId, phaseId) : batchNames.jobQueue(challengeId, phaseId);
}
