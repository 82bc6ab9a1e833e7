import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { PhaseDefinition } from '#shared/challenge/definition-schema.ts';
import { parseChallengeYaml } from '#shared/challenge/load-challenge.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { runTraining } from '#shared/training/run-training.ts';
import { uploadTrainingOutputs } from '#shared/training/training-outputs.ts';
import { zipFolder } from '../pipeline/support/submissions.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

const tissuenet = parseChallengeYaml(await readFile('examples/tissuenet/challenge.yaml', 'utf8'));
const learning: PhaseDefinition = tissuenet.phases[0]!;

let root: string;
let storage: StorageFixture;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'podium-training-'));
  await chmod(root, 0o711);
  storage = await startStorageFixture();
});
afterAll(() => storage.close());

/** Lays out a training run as the job does: the archive, the training data, a private work folder. */
async function train(files: Record<string, string>, reservation = { runSeconds: 60, budgetLimited: false }) {
  const runDir = await mkdtemp(join(root, 'run-'));
  await chmod(runDir, 0o711);
  const source = join(runDir, 'source');
  await mkdir(source);
  for (const [name, text] of Object.entries(files)) await writeFile(join(source, name), text);
  const archivePath = join(runDir, 'train.zip');
  await writeFile(archivePath, await zipFolder(source));
  const dataDir = join(runDir, 'data');
  await mkdir(dataDir);
  await writeFile(join(dataDir, 'train_labels.csv'), 'filename,0,1,2,3\nslide_1.pgm,0,0,0,1\n');
  const workDir = join(runDir, 'work');
  await mkdir(workDir, { mode: 0o711 });
  await chmod(workDir, 0o711);
  return runTraining({ archivePath, dataDir, workDir, phase: learning, reservation });
}

describe('a training job run', () => {
  it('runs train.py on the read-only training data and keeps what it writes to outputs/, with sizes and checksums', async () => {
    const outcome = await train({
      'train.py': [
        'from pathlib import Path',
        'rows = Path("data/train_labels.csv").read_text().splitlines()',
        'print(f"{len(rows) - 1} training rows")',
        'try:',
        '    Path("data/poisoned.csv").write_text("x")',
        '    print("data is writable")',
        'except OSError:',
        '    print("data is read-only")',
        'Path("outputs/weights").mkdir()',
        'Path("outputs/weights/model.bin").write_bytes(b"weights" * 10)',
        'Path("outputs/notes.txt").write_text("epoch 1")',
      ].join('\n'),
    });
    expect(outcome.run?.log.text()).toContain('1 training rows');
    expect(outcome.run?.log.text()).toContain('data is read-only');
    expect(outcome).toMatchObject({ end: 'SUCCEEDED' });
    expect(outcome.outputs).toEqual([
      { path: 'notes.txt', bytes: 7, sha256: createHash('sha256').update('epoch 1').digest('hex') },
      { path: 'weights/model.bin', bytes: 70, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);

    const ctx = await storage.freshContext();
    const prefix = objectKeys.trainingOutputsPrefix('tissuenet', 'learning', 'team-a', 't-1');
    await uploadTrainingOutputs(ctx.s3, ctx.config.submissionsBucket, prefix, outcome.outputsDir, outcome.outputs);
    const stored = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: `${prefix}weights/model.bin` }));
    expect(await stored.Body!.transformToString()).toBe('weights'.repeat(10));
  });

  it('stops a job at the limit its budget set, ends it BUDGET_EXHAUSTED and keeps its outputs', async () => {
    const outcome = await train(
      {
        'train.py': [
          'import time',
          'from pathlib import Path',
          'Path("outputs/checkpoint-1.pt").write_text("after epoch 1")',
          'time.sleep(30)',
          'Path("outputs/checkpoint-2.pt").write_text("never")',
        ].join('\n'),
      },
      { runSeconds: 2, budgetLimited: true },
    );
    expect(outcome.end).toBe('BUDGET_EXHAUSTED');
    expect(outcome.message).toContain("the team's training budget ran out");
    expect(outcome.outputs.map((file) => file.path)).toEqual(['checkpoint-1.pt']);
    expect(outcome.runSeconds).toBeGreaterThanOrEqual(2);
    expect(outcome.runSeconds).toBeLessThan(25); // stopped, not left to sleep its 30 s
  });

  it("ends TIMEOUT at the phase's own limit, FAILED with the error line, and refuses an archive without train.py", async () => {
    const slow = await train({ 'train.py': 'import time\ntime.sleep(30)\n' }, { runSeconds: 1, budgetLimited: false });
    expect(slow.end).toBe('TIMEOUT');
    const broken = await train({ 'train.py': 'raise ValueError("no GPU found")\n' });
    expect(broken).toMatchObject({ end: 'FAILED', message: expect.stringContaining('ValueError: no GPU found') });
    const wrong = await train({ 'main.py': 'print(1)\n' });
    expect(wrong).toMatchObject({ end: 'FAILED', message: expect.stringContaining('no train.py at the archive root'), runSeconds: 0 });
  });

  it('skips links in outputs/, which could name host files', async () => {
    const outcome = await train({ 'train.py': 'import os\nos.symlink("/etc/passwd", "outputs/passwd")\nopen("outputs/model.pt", "w").write("m")\n' });
    expect(outcome.outputs.map((file) => file.path)).toEqual(['model.pt']);
  });
});
