import { createS3Client } from '#shared/storage/clients.ts';
import { storageConfigFromEnv } from '#shared/storage/storage-config.ts';
import { inferenceRunSpecFromEnv } from '#shared/pipeline/inference-run-spec.ts';
import { mountedInputsFromEnv } from '#shared/pipeline/mounted-inputs.ts';
import { runInferenceJob, WORK_DIR_ENV } from '#shared/pipeline/run-inference-job.ts';
import { TRAINING_COMMAND } from '#shared/training/training-run-spec.ts';
import { configuredOrExit, runJob } from '../job-entrypoint.ts';
import { runTrainingEntrypoint } from '../training/main.ts';

/**
 * Entrypoint of the inference job: the competitor's code, sandboxed, on the phase's inputs. It
 * holds no table credentials: the run spec comes from SubmitJob, the outcome goes to S3. The same
 * image runs the phase's training jobs, whose job definition passes the `training` argument.
 */
if (process.argv[2] === TRAINING_COMMAND) await runTrainingEntrypoint();
const { config, spec, workRoot, mountedInputs } = configuredOrExit(() => {
  const workRoot = process.env[WORK_DIR_ENV];
  if (!workRoot) throw new Error(`${WORK_DIR_ENV} is not set: the job definition names the instance volume the run works on`);
  return {
    config: storageConfigFromEnv(process.env, ['submissionsBucket', 'hiddenBucket', 'datasetsBucket', 'predictionsBucket']),
    spec: inferenceRunSpecFromEnv(),
    workRoot,
    mountedInputs: mountedInputsFromEnv(),
  };
});
await runJob('inference', { submissionId: spec.submissionId, attempt: spec.attempt }, () =>
  runInferenceJob({ s3: createS3Client(config), config }, spec, { workRoot, ...(mountedInputs ? { mountedInputs } : {}) }),
);
