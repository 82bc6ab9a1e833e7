import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '#shared/storage/clients.ts';
import { storageConfigFromEnv } from '#shared/storage/storage-config.ts';
import { WORK_DIR_ENV } from '#shared/pipeline/run-inference-job.ts';
import { runTrainingJob } from '#shared/training/run-training-job.ts';
import { trainingRunSpecFromEnv } from '#shared/training/training-run-schemas.ts';
import { trainingRunKeys } from '#shared/training/training-run-spec.ts';
import { configuredOrExit, runJob } from '../job-entrypoint.ts';

/**
 * The training job, in the phase's inference image (`command: ["training"]` in its job
 * definition): the team's train.py, sandboxed, on the training data. It holds no table
 * credentials: the run spec comes from SubmitJob, the result goes to S3 under the job's keys, and
 * the platform records it from Batch's state change (shared/training/on-training-job-state.ts).
 */
export async function runTrainingEntrypoint(): Promise<never> {
  const { config, spec, workRoot } = configuredOrExit(() => {
    const workRoot = process.env[WORK_DIR_ENV];
    if (!workRoot) throw new Error(`${WORK_DIR_ENV} is not set: the job definition names the instance volume the run works on`);
    return { config: storageConfigFromEnv(process.env, ['submissionsBucket', 'datasetsBucket']), spec: trainingRunSpecFromEnv(), workRoot };
  });
  const s3 = createS3Client(config);
  // TerminateJob (a cancel) sends SIGTERM, then SIGKILL 30 s later: stop train.py at once and use the time to keep its outputs.
  const cancel = new AbortController();
  process.once('SIGTERM', () => cancel.abort());
  // The log so far, every 5 s while it grows, under the job's own key (its role may write it): live logs.
  const logKey = trainingRunKeys(spec).log;
  const onLog = async (text: string) => {
    await s3.send(new PutObjectCommand({ Bucket: config.submissionsBucket, Key: logKey, Body: text, ContentType: 'text/plain; charset=utf-8' }));
  };
  return runJob('training', { trainingJobId: spec.trainingJobId }, () =>
    runTrainingJob({ s3, config }, spec, { workRoot, signal: cancel.signal, onLog, progressMs: 5000 }),
  );
}
