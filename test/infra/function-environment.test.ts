import { beforeAll, describe, expect, it } from 'vitest';
import { STORAGE_ENV, type StorageName } from '#shared/storage/storage-config.ts';
import { FUNCTION_STORAGE } from '../../functions/function-storage.ts';
import { synthesisePodium, type SynthesisedPodium } from './podium-app.ts';

/**
 * Each Lambda reads the storage names its definition declares, no more and no fewer: a handler
 * that reached for an undeclared bucket would fail on AWS at its first call, and one whose
 * definition declared a name it never reads holds a grant it does not need.
 */
let podium: SynthesisedPodium;
beforeAll(async () => {
  podium = await synthesisePodium('examples/tissuenet');
}, 120_000);

const LOGICAL_IDS: Record<keyof typeof FUNCTION_STORAGE, string> = {
  api: 'ApiFunction',
  uploadHandler: 'UploadHandler',
  jobStateHandler: 'JobStateHandler',
  reconciler: 'Reconciler',
  mailSender: 'MailSender',
  phaseReminder: 'PhaseReminder',
};
const STORAGE_VARIABLES = new Set<string>(
  (['tableName', 'datasetsBucket', 'submissionsBucket', 'predictionsBucket', 'hiddenBucket', 'openDataBucket'] as StorageName[]).map(
    (name) => STORAGE_ENV[name],
  ),
);

describe('Lambda environments', () => {
  it.each(Object.entries(LOGICAL_IDS))('%s reads exactly the storage names its definition declares', (key, logicalId) => {
    // The phase reminder lives in each phase stack; the others in the platform stack.
    const stack = key === 'phaseReminder' ? podium.stacks.phases.values().next().value! : podium.stacks.platform;
    const functions = podium.template(stack).findResources('AWS::Lambda::Function');
    const [, resource] = Object.entries(functions).find(([id]) => id.startsWith(logicalId))! as [
      string,
      { Properties: { Environment: { Variables: Record<string, unknown> } } },
    ];
    const declared = Object.keys(resource.Properties.Environment.Variables)
      .filter((name) => STORAGE_VARIABLES.has(name))
      .sort();
    const read = FUNCTION_STORAGE[key as keyof typeof FUNCTION_STORAGE].map((name) => STORAGE_ENV[name]).sort();
    expect(read).toEqual(declared);
  });
});
