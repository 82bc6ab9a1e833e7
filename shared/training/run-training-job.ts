import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MANIFEST_FILE, type DatasetManifest } from '../datasets/dataset-layout.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import type { StorageConfig } from '../storage/storage-config.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { runTraining } from './run-training.ts';
import type { TrainingRunResult, TrainingRunSpec } from './training-run-schemas.ts';
import { trainingRunKeys } from './training-run-spec.ts';
import { uploadTrainingOutputs } from './training-outputs.ts';

export interface TrainingJobOptions {
  /** Parent of the run's private work folder (the instance volume on AWS, the OS temp dir locally). */
  workRoot: string;
  sandboxMode?: SandboxMode;
  /** Aborted by a cancel: train.py is stopped at once, and what it wrote to outputs/ is still kept. */
  signal?: AbortSignal;
  /** Called with the log so far while train.py runs (live logs), at most every `progressMs`. */
  onLog?: (text: string) => Promise<void>;
  progressMs?: number;
}

/**
 * The job's own work, with S3 alone (no table): the archive, the training data staged read-only,
 * train.py in the sandbox within the spec's hold, then `outputs/`, the log and `result.json`
 * under the job's own keys. The same code runs in the AWS training container and in the local
 * worker, so both read and write exactly what the training role allows.
 */
export async function runTrainingJob(
  storage: { s3: S3Client; config: Pick<StorageConfig, 'submissionsBucket' | 'datasetsBucket'> },
  spec: TrainingRunSpec,
  options: TrainingJobOptions,
): Promise<TrainingRunResult> {
  const { s3, config } = storage;
  await mkdir(options.workRoot, { recursive: true });
  const workDir = await mkdtemp(join(options.workRoot, `training-${spec.trainingJobId}-`));
  // The sandbox uid traverses the work folder to the code and data it binds.
  await chmod(workDir, 0o711);
  const keys = trainingRunKeys(spec);
  try {
    const archivePath = join(workDir, 'train.zip');
    await download(s3, config.submissionsBucket, spec.archiveKey, archivePath);
    const dataDir = join(workDir, 'data');
    await stageTrainingData(s3, config.datasetsBucket, spec, dataDir);
    const work = join(workDir, 'run');
    await mkdir(work, { mode: 0o711 });
    const outcome = await runTraining({
      archivePath,
      dataDir,
      workDir: work,
      phase: { id: spec.phaseId, runtime: spec.runtime, training: spec.training },
      reservation: { runSeconds: spec.runSeconds, budgetLimited: spec.budgetLimited },
      ...(options.sandboxMode ? { sandboxMode: options.sandboxMode } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onLog ? { onLog: options.onLog, progressMs: options.progressMs ?? 5000 } : {}),
    });
    await uploadTrainingOutputs(s3, config.submissionsBucket, keys.outputsPrefix, outcome.outputsDir, outcome.outputs);
    await putText(s3, config.submissionsBucket, keys.log, outcome.run?.log.text() ?? '', 'text/plain; charset=utf-8');
    const result: TrainingRunResult = { end: outcome.end, message: outcome.message, runSeconds: outcome.runSeconds, outputs: outcome.outputs };
    await putText(s3, config.submissionsBucket, keys.result, JSON.stringify(result), 'application/json');
    return result;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function putText(s3: S3Client, bucket: string, key: string, body: string, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

async function download(s3: S3Client, bucket: string, key: string, path: string): Promise<void> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await mkdir(dirname(path), { recursive: true });
  await pipeline(object.Body as Readable, createWriteStream(path, { mode: 0o644 }));
}

/** Every training dataset of the spec under `dataDir/<dataset id>/`, from its manifest. */
async function stageTrainingData(s3: S3Client, bucket: string, spec: TrainingRunSpec, dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  for (const datasetId of spec.datasets) {
    const manifestObject = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: objectKeys.datasetFile(spec.challengeId, datasetId, MANIFEST_FILE) }));
    const manifest = JSON.parse(await manifestObject.Body!.transformToString()) as DatasetManifest;
    for (const file of manifest.files) {
      await download(s3, bucket, objectKeys.datasetFile(spec.challengeId, datasetId, file.path), join(dataDir, datasetId, file.path));
    }
  }
}
