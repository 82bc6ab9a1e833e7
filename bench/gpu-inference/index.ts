import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import yazl from 'yazl';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { createContext } from '#shared/context.ts';
import { uploadChallengeDatasets } from '#shared/datasets/upload-datasets.ts';
import { onArchiveUploaded } from '#shared/pipeline/on-archive-uploaded.ts';
import { onJobStateChange } from '#shared/pipeline/on-job-state-change.ts';
import { ensureBuckets, ensureTable } from '#shared/storage/provision.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import { createSubmissionRecord, findSubmission } from '#shared/submissions/submission-record.ts';
import { startEmbeddedServers } from '../../local/embedded-servers.ts';
import { LocalJobRunner } from '../../local/job-runner/local-job-runner.ts';
import { csv, pgmImage, seededRandom, writeDatasetFile } from '../../examples/lib/synthetic.ts';
import { LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';

/**
 * The inference job end to end on a GPU: a PyTorch submission uploaded to the submissions bucket
 * travels through the real upload handler, the local job runner (Batch semantics), the sandboxed
 * inference job with the GPU passed through, and the scoring job, to SCORED. The reference, in the
 * same run, is the bare `python main.py` on the same data without any of Podium around it.
 *
 * On a machine without an NVIDIA device it prints that it was skipped (CI has no GPU). The device
 * run uses bundles of this file and of the two job entrypoints (see docs/benchmarks.md).
 */
const { values: options } = parseArgs({
  options: {
    slides: { type: 'string', default: '2000' },
    size: { type: 'string', default: '256' },
    python: { type: 'string', default: process.env.PODIUM_GPU_PYTHON ?? '/opt/torch/.venv/bin/python3' },
    inference: { type: 'string' },
    scoring: { type: 'string' },
    repo: { type: 'string', default: join(dirname(fileURLToPath(import.meta.url)), '../..') },
    /** Another submission folder (e.g. examples/tissuenet/baseline) to check the harness on a CPU. */
    submission: { type: 'string' },
    'allow-cpu': { type: 'boolean', default: false },
  },
});

const hasGpu = existsSync('/dev') && readdirSync('/dev').some((name) => /^nvidia\d+$/.test(name));
if (!hasGpu && !options['allow-cpu']) {
  console.log('bench/gpu-inference: skipped, no NVIDIA device on this machine (run it on a GPU machine: docs/benchmarks.md)');
  process.exit(0);
}
if (!existsSync(options.python)) {
  console.error(`bench/gpu-inference: no Python with PyTorch at ${options.python} (set --python or PODIUM_GPU_PYTHON)`);
  process.exit(1);
}

const slides = Number(options.slides);
const size = Number(options.size);
const repo = options.repo;
const submissionDir = options.submission ?? join(repo, 'bench/gpu-inference/submission');
const work = await mkdtemp(join(tmpdir(), 'podium-gpu-'));

// A TissueNet-shaped challenge whose phase grants one GPU and names the PyTorch interpreter.
const base = await loadChallenge(join(repo, 'examples/tissuenet'));
const challenge = {
  ...base,
  id: 'tissuenet-gpu',
  phases: base.phases.map((phase) =>
    phase.id === 'learning'
      ? {
          ...phase,
          quota: { ...phase.quota, perDay: 100 },
          runtime: { ...phase.runtime, image: 'podium/pytorch-gpu:1', gpus: 1, python: options.python, timeLimitSeconds: 1800, memoryMiB: 65_536 },
        }
      : phase,
  ),
};

console.log(`bench/gpu-inference: generating ${slides} slides of ${size}×${size}…`);
const dataRoot = join(work, 'data');
const random = seededRandom(7);
const rows: { filename: string; label: number }[] = [];
for (let index = 0; index < slides; index++) {
  const label = Math.min(3, Math.floor(random() * 4));
  const filename = `slide_${String(index).padStart(5, '0')}.pgm`;
  rows.push({ filename, label });
  await writeDatasetFile(
    join(dataRoot, 'test/inputs'),
    filename,
    pgmImage(size, size, () => 40 + label * 50 + (random() - 0.5) * 70),
  );
}
const oneHot = (label: number) => [0, 1, 2, 3].map((c) => (c === label ? 1 : 0));
await writeDatasetFile(
  join(dataRoot, 'test/inputs'),
  'submission_format.csv',
  csv(
    ['filename', '0', '1', '2', '3'],
    rows.map((r) => [r.filename, 0, 0, 0, 0]),
  ),
);
await writeDatasetFile(
  join(dataRoot, 'test'),
  'labels.csv',
  csv(
    ['filename', '0', '1', '2', '3', 'usage'],
    rows.map((r, i) => [r.filename, ...oneHot(r.label), i % 3 ? 'private' : 'public']),
  ),
);
for (const id of ['train', 'final', 'smoke']) {
  const tiny = rows.slice(0, 4);
  const folder = join(dataRoot, id);
  if (id === 'train') {
    await writeDatasetFile(
      folder,
      'train_labels.csv',
      csv(
        ['filename', '0', '1', '2', '3'],
        tiny.map((r) => [r.filename, ...oneHot(r.label)]),
      ),
    );
    continue;
  }
  await writeDatasetFile(
    join(folder, 'inputs'),
    'submission_format.csv',
    csv(
      ['filename', '0', '1', '2', '3'],
      tiny.map((r) => [r.filename, 0, 0, 0, 0]),
    ),
  );
  await writeDatasetFile(
    folder,
    'labels.csv',
    csv(
      ['filename', '0', '1', '2', '3'],
      tiny.map((r) => [r.filename, ...oneHot(r.label)]),
    ),
  );
}

// Reference: the bare `python main.py` on the same data, nothing of Podium around it.
const bare = join(work, 'bare');
await cp(submissionDir, bare, { recursive: true });
await symlink(join(dataRoot, 'test/inputs'), join(bare, 'data'));
const bareStarted = performance.now();
const bareRun = spawnSync(options.python, ['main.py'], { cwd: bare, encoding: 'utf8' });
const bareSeconds = (performance.now() - bareStarted) / 1000;
if (bareRun.status !== 0) {
  console.error(`bare run failed:\n${bareRun.stdout}\n${bareRun.stderr}`);
  process.exit(1);
}
console.log(`bare python main.py: ${bareSeconds.toFixed(2)} s\n${bareRun.stdout.trim()}`);

// The platform: in-memory DynamoDB and S3 on real protocols, the real handlers, the local runner.
const servers = await startEmbeddedServers();
const config = storageConfigSchema.parse({ ...LOCAL_STORAGE_NAMES, dynamoEndpoint: servers.dynamoEndpoint, s3Endpoint: servers.s3Endpoint });
const ctx = createContext(config);
await ensureTable(ctx.db, config);
await ensureBuckets(ctx.s3, config);
await uploadChallengeDatasets(ctx, challenge, dataRoot);
await registerChallenge(ctx, challenge);

const runner: LocalJobRunner = new LocalJobRunner({
  config,
  onEvent: (event) => onJobStateChange(ctx, runner, event),
  entrypoints: {
    ...(options.inference ? { inference: options.inference } : {}),
    ...(options.scoring ? { scoring: options.scoring } : {}),
  },
  passEnv: ['PATH', 'HOME', 'TMPDIR', 'PODIUM_SANDBOX', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'],
  log: (line) => console.log(`runner: ${line}`),
});

const archive = await new Promise<Buffer>((resolve, reject) => {
  const zip = new yazl.ZipFile();
  zip.addFile(join(submissionDir, 'main.py'), 'main.py');
  const chunks: Buffer[] = [];
  zip.outputStream
    .on('data', (chunk: Buffer) => chunks.push(chunk))
    .on('end', () => resolve(Buffer.concat(chunks)))
    .on('error', reject);
  zip.end();
});
const submissionId = `gpu${Date.now().toString(36)}`;
const archiveKey = objectKeys.submissionArchive(challenge.id, 'learning', 'team-gpu', submissionId);
await createSubmissionRecord(ctx, {
  id: submissionId,
  challengeId: challenge.id,
  phaseId: 'learning',
  teamId: 'team-gpu',
  submittedBy: 'bench',
  mode: 'scored',
  archiveKey,
});

const seen: { status: string; at: number }[] = [];
const started = performance.now();
await ctx.s3.send(new PutObjectCommand({ Bucket: config.submissionsBucket, Key: archiveKey, Body: archive }));
// s3rver's event would call this in `npm start`; here it is called as the S3 notification would.
await onArchiveUploaded(ctx, runner, { bucket: config.submissionsBucket, key: archiveKey, size: archive.length });
for (;;) {
  const submission = await findSubmission(ctx, submissionId);
  if (submission && seen.at(-1)?.status !== submission.status) seen.push({ status: submission.status, at: (performance.now() - started) / 1000 });
  if (submission && ['SCORED', 'FAILED', 'REJECTED', 'CANCELLED'].includes(submission.status)) {
    const endToEnd = (performance.now() - started) / 1000;
    const log = await ctx.s3
      .send(new GetObjectCommand({ Bucket: config.predictionsBucket, Key: objectKeys.runLog(submissionId, submission.attempt) }))
      .then((object) => object.Body!.transformToString())
      .catch(() => '(no log)');
    const result = {
      gpu: spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8' }).stdout?.trim() || 'none (CPU)',
      slides,
      size,
      status: submission.status,
      failure: submission.failure,
      scores: submission.scores,
      bareSeconds: Number(bareSeconds.toFixed(2)),
      endToEndSeconds: Number(endToEnd.toFixed(2)),
      overheadSeconds: Number((endToEnd - bareSeconds).toFixed(2)),
      ratio: Number((endToEnd / bareSeconds).toFixed(2)),
      statusTimeline: seen.map(({ status, at }) => `${status}@${at.toFixed(2)}s`),
      runLog: log.split('\n').slice(-6),
    };
    console.log(JSON.stringify(result, null, 2));
    if (process.env.OUT) await writeFile(join(process.env.OUT, 'gpu-inference.json'), JSON.stringify(result, null, 2));
    break;
  }
  await sleep(50);
}
await runner.close();
await servers.close();
await rm(work, { recursive: true, force: true });
