import type { StorageName } from '#shared/storage/storage-config.ts';

/**
 * The table and buckets each Lambda reads its names for: exactly what its definition binds
 * (`bindTable`, `bindBucket` in infra/stacks/platform-stack.ts and phase-stack.ts). A test compares
 * the two through the synthesized template, and the local stack builds each handler's context from the same list.
 */
export const FUNCTION_STORAGE = {
  api: ['tableName', 'datasetsBucket', 'submissionsBucket', 'predictionsBucket', 'openDataBucket'],
  uploadHandler: ['tableName', 'submissionsBucket'],
  jobStateHandler: ['tableName', 'predictionsBucket', 'submissionsBucket', 'datasetsBucket'],
  reconciler: ['tableName', 'submissionsBucket', 'predictionsBucket'],
  mailSender: ['tableName'],
  phaseReminder: ['tableName'],
} as const satisfies Record<string, readonly StorageName[]>;
