import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import type { InferenceRunSpec } from '#shared/pipeline/inference-run-spec.ts';
import { runInferenceJob } from '#shared/pipeline/run-inference-job.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { zipFolder } from './support/submissions.ts';

/**
 * The inference launcher on an instance whose hidden inputs are mounted read-only (Mountpoint on
 * AWS): it runs the code on the mount in place, after checking it against S3's listing, and
 * fetches no input itself; a mount that does not match the dataset is a platform fault.
 */
let fixture: StorageFixture;
let ctx: PodiumContext;
let challenge: Challenge;
let work: string;
const cleanups: (() => Promise<void>)[] = [];
const prefix = objectKeys.hiddenInputsPrefix('tissuenet', 'test');
const INPUTS: Record<string, string> = {
  'submission_format.csv': 'filename,0,1,2,3\nslide-1.tif,1,0,0,0\nslide-2.tif,0,0,1,0\n',
  'slides/slide-1.tif': 'x'.repeat(4096),
  'slides/slide-2.tif': 'y'.repeat(8192),
};

/** Copies submission_format.csv as its predictions and reads the first bytes of each slide, as a model reads one pyramid level. */
const MAIN_PY = `import pathlib, shutil
data = pathlib.Path("data")
for slide in sorted((data / "slides").iterdir()):
    with open(slide, "rb") as f:
        f.read(16)
shutil.copy(data / "submission_format.csv", "submission.csv")
`;

beforeAll(async () => {
  fixture = await startStorageFixture();
  ctx = await fixture.freshContext();
  challenge = await loadChallenge('examples/tissuenet');
  work = await mkdtemp(join(tmpdir(), 'podium-mounted-inputs-'));
  // The sandbox runs as another uid, which must traverse to the folders it binds.
  await chmod(work, 0o711);
  for (const [path, body] of Object.entries(INPUTS)) {
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.hiddenBucket, Key: `${prefix}${path}`, Body: body }));
  }
  await mkdir(join(work, 'code'));
  await writeFile(join(work, 'code', 'main.py'), MAIN_PY);
  await ctx.s3.send(
    new PutObjectCommand({
      Bucket: ctx.config.submissionsBucket,
      Key: 'tissuenet/learning/team/sub/submission.zip',
      Body: await zipFolder(join(work, 'code')),
    }),
  );
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await fixture?.close();
});

const spec = (submissionId: string): InferenceRunSpec => ({
  submissionId,
  attempt: 1,
  challengeId: 'tissuenet',
  phaseId: 'learning',
  mode: 'scored',
  archive: { key: 'tissuenet/learning/team/sub/submission.zip' },
  inputs: { bucket: 'hidden', prefix },
  runtime: challenge.phases.find((phase) => phase.id === 'learning')!.runtime,
  format: challenge.submissionFormat,
});

/** A folder holding `files`, seen read-only as the instance's mount is (a read-only bind as root, modes elsewhere). */
async function readOnlyMount(files: Record<string, string>): Promise<string> {
  const source = await mkdtemp(join(work, 'source-'));
  // Mountpoint shows folders 0555 and files 0444 (--dir-mode, --file-mode): readable by the competitor's uid.
  await chmod(source, 0o755);
  for (const [path, body] of Object.entries(files)) {
    await mkdir(join(source, path, '..'), { recursive: true });
    await writeFile(join(source, path), body);
  }
  if (process.getuid?.() !== 0) {
    execFileSync('chmod', ['-R', 'a-w', source]);
    cleanups.push(() => chmod(source, 0o755));
    return source;
  }
  const view = await mkdtemp(join(work, 'mount-'));
  execFileSync('mount', ['--bind', source, view]);
  execFileSync('mount', ['-o', 'remount,bind,ro', view]);
  cleanups.push(async () => void execFileSync('umount', [view]));
  return view;
}

/** The S3 commands the launcher sends, with the keys they name. */
function recordCommands(): { command: string; key?: string }[] {
  const calls: { command: string; key?: string }[] = [];
  const name = `record-${calls.length}-${Date.now()}`;
  ctx.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: string }).Key;
      calls.push({ command: String(context.commandName), ...(key ? { key } : {}) });
      return next(args);
    },
    { step: 'initialize', name },
  );
  cleanups.push(async () => void ctx.s3.middlewareStack.remove(name));
  return calls;
}

describe('hidden inputs mounted on the instance', () => {
  it('runs the code on the mount in place: the launcher lists the prefix but fetches no input', async () => {
    const mount = await readOnlyMount(INPUTS);
    const calls = recordCommands();
    const outcome = await runInferenceJob({ s3: ctx.s3, config: ctx.config }, spec('sub-mounted'), { workRoot: work, mountedInputs: { prefix, path: mount } });
    expect(outcome).toMatchObject({ result: 'predicted', rows: 2 });
    expect(calls.filter((call) => call.key?.startsWith(prefix))).toEqual([]);
    expect(calls.map((call) => call.command)).toContain('ListObjectsV2Command');
    const stored = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.predictionsBucket, Key: objectKeys.predictions('sub-mounted', 1) }));
    expect(await stored.Body!.transformToString()).toBe(INPUTS['submission_format.csv']);
  });

  it('downloads as before when the mount shows another prefix (a smoke run, say)', async () => {
    const mount = await readOnlyMount(INPUTS);
    const calls = recordCommands();
    const outcome = await runInferenceJob({ s3: ctx.s3, config: ctx.config }, spec('sub-other'), {
      workRoot: work,
      mountedInputs: { prefix: objectKeys.hiddenInputsPrefix('tissuenet', 'final'), path: mount },
    });
    expect(outcome).toMatchObject({ result: 'predicted' });
    expect(calls.filter((call) => call.command === 'GetObjectCommand' && call.key?.startsWith(prefix))).toHaveLength(Object.keys(INPUTS).length);
  });

  it('refuses, as a platform fault, a mount missing a file or holding one of another size, naming them', async () => {
    const mount = await readOnlyMount({ 'submission_format.csv': INPUTS['submission_format.csv']!, 'slides/slide-1.tif': 'x' });
    const run = runInferenceJob({ s3: ctx.s3, config: ctx.config }, spec('sub-stale'), { workRoot: work, mountedInputs: { prefix, path: mount } });
    await expect(run).rejects.toThrow(
      /does not match s3:\/\/.+\/inputs\/tissuenet\/test\/ \(2 of 3 files\): slides\/slide-1\.tif has 1 bytes, S3 has 4096; slides\/slide-2\.tif is missing/,
    );
  });

  it('refuses a mount that can be written to', async () => {
    const writable = await mkdtemp(join(work, 'writable-'));
    const run = runInferenceJob({ s3: ctx.s3, config: ctx.config }, spec('sub-writable'), { workRoot: work, mountedInputs: { prefix, path: writable } });
    await expect(run).rejects.toThrow(/is writable: it must be mounted read-only/);
  });
});
