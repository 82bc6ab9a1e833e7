import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { uploadChallengeDatasets } from '#shared/datasets/upload-datasets.ts';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { buildJobSpecs } from '#shared/pipeline/queue-jobs.ts';
import { readRunOutcome } from '#shared/pipeline/run-outcome.ts';
import { WORK_DIR_ENV } from '#shared/pipeline/run-inference-job.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { findSubmission, transitionSubmission } from '#shared/submissions/submission-record.ts';
import { generate } from '../../examples/tissuenet/generate-data.ts';
import { synthesisePodium } from '../infra/podium-app.ts';
import { MOUNTED_INPUTS_ENV } from '#shared/pipeline/mounted-inputs.ts';
import { jobDefinitionEnvironment, localJobEnvironment } from '../support/deployed-environment.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { submitArchive, zipFolder } from './support/submissions.ts';

/**
 * The inference job runs with exactly the environment its synthesized job definition declares
 * (plus SubmitJob's overrides and the local endpoints): no table name, so a launcher that reached
 * for DynamoDB again would fail here, as it would on AWS.
 */
let fixture: StorageFixture;
let ctx: PodiumContext;
let challenge: Challenge;
let declared: Record<string, unknown>;
let work: string;

beforeAll(async () => {
  const synthesized = await synthesisePodium('examples/tissuenet');
  challenge = synthesized.challenge;
  declared = jobDefinitionEnvironment(
    synthesized.template(synthesized.stacks.phases.get('learning')!),
    batchNames.inferenceJobDefinition('tissuenet', 'learning'),
  );
  fixture = await startStorageFixture();
  ctx = await fixture.freshContext();
  work = await mkdtemp(join(tmpdir(), 'podium-contract-'));
  await chmod(work, 0o711);
  await generate(join(work, 'data'));
  await uploadChallengeDatasets(ctx, challenge, join(work, 'data'));
  await registerChallenge(ctx, challenge);
}, 120_000);

afterAll(async () => {
  await fixture?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function runInferenceEntrypoint(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'batch-jobs/inference/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('the inference job under its synthesized contract', () => {
  it('declares no table and no table-reading variable', () => {
    expect(Object.keys(declared)).not.toContain(STORAGE_ENV.tableName);
    expect(Object.keys(declared)).toContain(WORK_DIR_ENV);
  });

  it('runs the baseline to a stored outcome with only its declared environment, SubmitJob’s overrides and the local endpoints', async () => {
    const id = await submitArchive(ctx, challenge, await zipFolder('examples/tissuenet/baseline'), { teamId: 'team-contract' });
    await transitionSubmission(ctx, id, { to: 'UPLOADED' });
    const submission = (await findSubmission(ctx, id))!;
    const { inference } = buildJobSpecs(challenge, submission, 1);
    // A process has no GPU instance under it: without the instance's hidden-inputs mount it downloads, as the local runner's jobs do.
    const { [MOUNTED_INPUTS_ENV]: _instanceMount, ...deployed } = localJobEnvironment(declared as Record<string, string>, ctx.config, { [WORK_DIR_ENV]: work });
    expect(_instanceMount, `${MOUNTED_INPUTS_ENV} in the job definition`).toBeDefined();
    const env = {
      ...deployed,
      ...inference.environment,
      [STORAGE_ENV.s3Endpoint]: ctx.config.s3Endpoint!,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      PATH: process.env.PATH!,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The image's own settings (its Dockerfile's ENV), less the container mode, which needs the image's competitor uid.
      ...(process.env.PODIUM_SANDBOX ? { PODIUM_SANDBOX: process.env.PODIUM_SANDBOX } : {}),
    };
    expect(env).not.toHaveProperty(STORAGE_ENV.tableName);
    const { code, stderr } = await runInferenceEntrypoint(env);
    expect(code, stderr).toBe(0);
    const outcome = await readRunOutcome(ctx.s3, ctx.config.predictionsBucket, id, 1);
    expect(outcome).toMatchObject({ result: 'predicted', rows: 200 });
    // What the run used, rounded (whole seconds, whole MiB) before it leaves the launcher; no GPU here.
    expect(outcome!.run).toEqual({ durationMs: expect.any(Number), peakMemoryMiB: expect.any(Number), gpuSeconds: 0 });
    expect(outcome!.run!.durationMs % 1000).toBe(0);
    expect(outcome!.run!.peakMemoryMiB).toBeGreaterThan(0);
  });
});
