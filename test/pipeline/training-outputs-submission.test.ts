import { readFile } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { attachableOutputs } from '#shared/training/attach-outputs.ts';
import { batchTrainingLauncher } from '#shared/training/batch-training-launcher.ts';
import { queueTrainingJob } from '#shared/training/training-job-start.ts';
import { reserveTrainingBudget } from '#shared/training/training-budget.ts';
import { createTrainingJobRecord, findTrainingJob } from '#shared/training/training-job-record.ts';
import { generate } from '../../examples/tissuenet/generate-data.ts';
import { zipFolderEntries } from '../training/support/training-archive.ts';
import { startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.ts';
import { isSettled, submitArchive, waitFor } from './support/submissions.ts';

/** The acceptance path of issue 18: train on the platform, attach the outputs, and the submission is SCORED. */
let harness: PipelineHarness;
beforeAll(async () => {
  harness = await startPipelineHarness({
    exampleDir: 'examples/tissuenet',
    generate,
    learning: (phase) => ({ ...phase, runtime: { ...phase.runtime, memoryMiB: 1024, gpus: 0 } }),
  });
}, 300_000);
afterAll(() => harness?.close());

describe("a training job's outputs attached to a submission", () => {
  it('runs main.py beside the outputs, on the platform, to SCORED', async () => {
    const { ctx, challenge } = harness;
    const phase = challenge.phases[0]!;
    const teamId = 'team-trained';
    // The trained "model": the training labels' row count, computed on the platform from data/train/.
    const trainPy = [
      'from pathlib import Path',
      'rows = len(Path("data/train/train_labels.csv").read_text().splitlines()) - 1',
      'Path("outputs/model.txt").write_text(str(rows))',
    ].join('\n');
    const reservation = await reserveTrainingBudget(ctx, challenge.id, phase, teamId, 't-attach');
    const archiveKey = objectKeys.trainingArchive(challenge.id, phase.id, teamId, 't-attach');
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: archiveKey, Body: await zipFolderEntries({ 'train.py': trainPy }) }));
    await createTrainingJobRecord(ctx, {
      id: 't-attach',
      challengeId: challenge.id,
      phaseId: phase.id,
      teamId,
      submittedBy: 'user-1',
      archiveKey,
      archiveBytes: 200,
      runSecondsLimit: reservation.runSeconds,
      budgetLimited: reservation.budgetLimited,
    });
    await queueTrainingJob(ctx, 't-attach');
    // As the API starts it: the phase's training job definition, run by the local job runner under the training role.
    await batchTrainingLauncher(ctx, harness.runner).launch(challenge, 't-attach');
    await harness.runner.idle();
    const trained = await findTrainingJob(ctx, 't-attach');
    expect(trained).toMatchObject({ status: 'SUCCEEDED', outputs: [expect.objectContaining({ path: 'model.txt' })] });

    // The baseline, run only when the outputs are next to it.
    const baseline = await readFile('examples/tissuenet/baseline/main.py', 'utf8');
    const mainPy = [
      'import runpy',
      'from pathlib import Path',
      'assert int(Path(__file__).with_name("model.txt").read_text()) > 0, "no trained model"',
      'runpy.run_path(str(Path(__file__).with_name("baseline.py")), run_name="__main__")',
    ].join('\n');
    const id = await submitArchive(ctx, challenge, await zipFolderEntries({ 'main.py': mainPy, 'baseline.py': baseline }), {
      teamId,
      trainingOutputs: await attachableOutputs(ctx, challenge, phase.id, teamId, 't-attach'),
    });
    const submission = await waitFor(ctx, id, isSettled, 240_000);
    expect(submission.failure).toBeUndefined();
    expect(submission.status).toBe('SCORED');
  }, 400_000);
});
