import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '#shared/jobs/job-runner.ts';
import { storageConfigSchema, STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { declaredJobEnvironment } from '../../local/job-runner/declared-job-environment.ts';
import { LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';
import { synthesizeJobs, type SynthesizedJobs } from '../../local/parity/synthesized-jobs.ts';

/** `npm start`'s jobs get what their synthesized job definitions declare, and nothing of the host. */
let synthesized: SynthesizedJobs;
const config = storageConfigSchema.parse({ ...LOCAL_STORAGE_NAMES, s3Endpoint: 'http://127.0.0.1:8788', dynamoEndpoint: 'http://127.0.0.1:8789' });

beforeAll(async () => {
  synthesized = await synthesizeJobs(['examples/tissuenet']);
}, 120_000);

const spec = (kind: 'inference' | 'scoring', phaseId = 'learning'): JobSpec => ({
  kind,
  submissionId: 's-1',
  name: `${kind}-s-1-1`,
  challengeId: 'tissuenet',
  phaseId,
  attempt: 1,
  shareIdentifier: 'team1',
  timeoutSeconds: 60,
  memoryMiB: 1024,
  gpus: 0,
  environment: { PODIUM_SUBMISSION_ID: 's-1', PODIUM_ATTEMPT: '1' },
});

describe('the environment of a local job', () => {
  it('gives the inference job its declared buckets and work folder, no table, and nothing of this process', () => {
    process.env.PODIUM_LEAK_PROBE = 'from the host';
    const env = declaredJobEnvironment(synthesized.contracts, config, '/tmp/podium-job-work')(spec('inference'));
    expect(env).toMatchObject({
      [STORAGE_ENV.hiddenBucket]: 'podium-hidden',
      [STORAGE_ENV.submissionsBucket]: 'podium-submissions',
      [STORAGE_ENV.region]: 'eu-west-3',
      PODIUM_WORK_DIR: '/tmp/podium-job-work',
      PODIUM_SUBMISSION_ID: 's-1',
      [STORAGE_ENV.s3Endpoint]: 'http://127.0.0.1:8788',
    });
    expect(env).not.toHaveProperty(STORAGE_ENV.tableName);
    expect(env).not.toHaveProperty('PODIUM_LEAK_PROBE');
    delete process.env.PODIUM_LEAK_PROBE;
  });

  it('gives the scoring job the table and the labels key, as its definition declares', () => {
    const env = declaredJobEnvironment(synthesized.contracts, config, '/tmp/w')(spec('scoring'));
    expect(env).toMatchObject({ [STORAGE_ENV.tableName]: 'podium', [STORAGE_ENV.predictionsBucket]: 'podium-predictions' });
    expect(env).toHaveProperty(STORAGE_ENV.labelsKmsKeyId);
  });

  it('refuses a job of a phase no job definition was synthesized for, as SubmitJob would', () => {
    expect(() => declaredJobEnvironment(synthesized.contracts, config, '/tmp/w')(spec('inference', 'no-such-phase'))).toThrow(
      /no job definition tissuenet-no-such-phase-inference/,
    );
  });
});
