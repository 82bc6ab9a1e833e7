import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, statfs, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mapWithConcurrency } from '#shared/concurrency.ts';
import { stageInputs } from '#shared/pipeline/run-inference-job.ts';
import { createS3Client } from '#shared/storage/clients.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { ensureBuckets } from '#shared/storage/provision.ts';
import { InstanceMounts, s3fsAvailable } from '../../local/job-runner/instance-mounts.ts';

/**
 * Hidden inputs at scale, scaled down: a hidden dataset of `--files` files of `--mib` MiB each in
 * the local S3 endpoint, staged by the launcher's own `stageInputs`: the reference is the download
 * (no mount declared: `downloadInputs`); against it, in the same run, the instance mount (`s3fs`
 * here, standing in for Mountpoint, through the same InstanceMounts the parity harness uses), which
 * `stageInputs` checks (`verifyMountedInputs`) and hands over: a first run that reads every byte,
 * a repeat run on the same instance (same cache), and a run that reads `--read-kib` KiB of each
 * file (one pyramid level of a slide), first and repeated, with the s3fs tuning Podium uses and
 * with s3fs's defaults. Each figure is seconds, seconds to the first byte a model gets, and what
 * the S3 endpoint sent (counted by a proxy in front of it, in its own process: see s3-endpoint.ts).
 * Results: bench/results/staging.json.
 *
 * npm run bench -- staging [--files=320] [--mib=16] [--read-kib=1024]
 */
const here = dirname(fileURLToPath(import.meta.url));
const option = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const files = option('files', 320);
const fileBytes = Math.round(option('mib', 16) * 1024 * 1024);
const readBytes = Math.round(option('read-kib', 1024) * 1024);
const MiB = 1024 * 1024;
/** A model's reader: a few files at a time, as a data loader's workers read. */
const READERS = 8;

if (!s3fsAvailable()) {
  console.log('bench/staging: skipped, s3fs is not installed (apt-get install s3fs)');
  process.exit(0);
}
const work = await mkdtemp(join(tmpdir(), 'podium-bench-staging-'));
const needed = 3 * files * fileBytes;
const free = await statfs(work).then((stats) => stats.bavail * stats.bsize);
if (free < needed * 1.2) {
  console.error(
    `bench/staging: ${(needed / 2 ** 30).toFixed(1)} GiB needed (the dataset, a download, a cache), ${(free / 2 ** 30).toFixed(1)} GiB free: scale down`,
  );
  process.exit(1);
}

interface Counted {
  bytes: number;
  gets: number;
  ranged: number;
  heads: number;
  lists: number;
  requests: number;
}
/** The S3 endpoint, in its own process (see s3-endpoint.ts for why), and its counters. */
// s3rver signs ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy
// provider: without it, any listing past 1,000 keys answers InternalError.
const endpointProcess = fork(join(here, 's3-endpoint.ts'), [], {
  execArgv: [...process.execArgv, '--openssl-legacy-provider'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const fromEndpoint = <T>(type: string) =>
  new Promise<T>((answer, fail) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return;
      endpointProcess.off('exit', onExit);
      answer(message);
    };
    const onExit = (code: number | null) => fail(new Error(`the S3 endpoint process exited (${code})`));
    endpointProcess.once('message', onMessage);
    endpointProcess.once('exit', onExit);
  });
const { endpoint } = await fromEndpoint<{ endpoint: string }>('ready');
const takeCounted = async () => {
  const answer = fromEndpoint<{ counted: Counted }>('counted');
  endpointProcess.send({ type: 'take' });
  return (await answer).counted;
};
const config = {
  region: 'eu-west-3',
  tableName: 'bench-unused',
  s3Endpoint: endpoint,
  hiddenBucket: 'bench-hidden',
  datasetsBucket: 'bench-datasets',
  submissionsBucket: 'bench-submissions',
  predictionsBucket: 'bench-predictions',
};
const s3 = createS3Client(config);
await ensureBuckets(s3, config);
const prefix = objectKeys.hiddenInputsPrefix('bench', 'test');
const keys = Array.from({ length: files }, (_, index) => `slides/slide-${String(index).padStart(5, '0')}.tif`);

interface Row extends Omit<Counted, 'bytes'> {
  seconds: number;
  firstByteSeconds: number;
  fetchedBytes: number;
}
const results: Record<string, Row> = {};
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
/** Times `work` (given its start, it reports when the model got its first byte) and takes the endpoint's counters. */
async function measure(name: string, work: (started: bigint) => Promise<number | undefined>): Promise<void> {
  await takeCounted();
  const started = process.hrtime.bigint();
  const firstByte = await work(started);
  const took = seconds(started);
  const { bytes, ...requests } = await takeCounted();
  results[name] = { seconds: took, firstByteSeconds: firstByte ?? took, fetchedBytes: bytes, ...requests };
  console.log(
    `  ${name.padEnd(48)} ${took.toFixed(2).padStart(8)} s (first byte ${(firstByte ?? took).toFixed(2)} s) ` +
      `${(bytes / MiB).toFixed(1).padStart(9)} MiB fetched, ` +
      `${requests.gets} GETs (${requests.ranged} ranged), ${requests.heads} HEADs, ${requests.lists} lists`,
  );
}

/**
 * The model: reads `length` bytes of each file (all of it when undefined) from the middle, what a
 * model asks of a slide, a few files at a time. Answers when it got its first byte.
 */
async function readEach(root: string, started: bigint, length?: number): Promise<number | undefined> {
  let firstByte: number | undefined;
  await mapWithConcurrency(keys, READERS, async (key) => {
    const buffer = Buffer.alloc(Math.min(length ?? 4 * MiB, 4 * MiB));
    const handle = await open(join(root, key));
    try {
      if (length === undefined) {
        let read = 0;
        for (let bytesRead = -1; bytesRead !== 0; read += bytesRead) {
          bytesRead = (await handle.read(buffer, 0, buffer.length, null)).bytesRead;
          firstByte ??= seconds(started);
        }
        if (read !== fileBytes) throw new Error(`${key}: read ${read} of ${fileBytes} bytes`);
      } else {
        const { bytesRead } = await handle.read(buffer, 0, length, Math.floor(fileBytes / 2));
        firstByte ??= seconds(started);
        if (bytesRead !== length) throw new Error(`${key}: read ${bytesRead} of ${length} bytes`);
      }
    } finally {
      await handle.close();
    }
  });
  return firstByte;
}

try {
  const total = `${((files * fileBytes) / 2 ** 30).toFixed(2)} GiB`;
  console.log(`bench/staging: ${files} files × ${(fileBytes / MiB).toFixed(1)} MiB = ${total}; partial reads of ${readBytes / 1024} KiB each`);
  const base = createHash('sha256').update('podium').digest();
  const body = Buffer.alloc(fileBytes);
  for (let offset = 0; offset < fileBytes; offset += base.length) base.copy(body, offset);
  await mapWithConcurrency(['submission_format.csv', ...keys], 4, (key, index) =>
    s3.send(
      new PutObjectCommand({
        Bucket: config.hiddenBucket,
        Key: `${prefix}${key}`,
        Body: key.endsWith('.csv') ? 'filename,0\n' : Buffer.concat([Buffer.from(String(index).padStart(16, '0')), body.subarray(16)]),
      }),
    ),
  );
  console.log(`  uploaded (not timed)\n`);

  const storage = { s3, config };
  const inputs = { bucket: 'hidden' as const, prefix };
  await measure('reference: download, then read every byte', async (started) => {
    const dir = await stageInputs(storage, inputs, { inputsDir: join(work, 'download') });
    return readEach(dir, started);
  });
  await rm(join(work, 'download'), { recursive: true, force: true });

  /** A fresh instance: its own mount and empty cache, made (not timed) before the runs on it. */
  const instance = async (name: string, tuning?: string[]) => {
    const mounts = new InstanceMounts({ root: join(work, name), s3Endpoint: endpoint, region: config.region, mode: 's3fs', ...(tuning ? { tuning } : {}) });
    const hostPath = await mounts.mount({
      challengeId: 'bench',
      phaseId: 'learning',
      bucket: config.hiddenBucket,
      prefix,
      hostPath: '/mnt/podium/learning/test',
    });
    await takeCounted();
    /** A run on it: the launcher's staging (the check against the listing), then the model's reads. */
    const run = (length?: number) => async (started: bigint) => {
      const dir = await stageInputs(storage, inputs, { inputsDir: join(work, name, 'unused'), mountedInputs: { prefix, path: hostPath } });
      if (dir !== hostPath) throw new Error(`the launcher staged ${dir}, not the mount ${hostPath}`);
      return readEach(dir, started, length);
    };
    return { run, mounts };
  };
  const partial = `${readBytes / 1024} KiB of each file`;
  {
    const { run, mounts } = await instance('full');
    await measure('mount: first run, reads every byte', run());
    await measure('mount: repeat run, same instance', run());
    await mounts.close();
  }
  {
    const { run, mounts } = await instance('partial');
    await measure(`mount: first run, ${partial}`, run(readBytes));
    await measure(`mount: repeat run, ${partial}`, run(readBytes));
    await mounts.close();
  }
  {
    const { run, mounts } = await instance('partial-defaults', []);
    await measure(`mount, s3fs defaults: first run, ${partial}`, run(readBytes));
    await mounts.close();
  }

  const reference = results['reference: download, then read every byte']!;
  console.log('\nratios to the download of the same run (seconds, seconds to first byte, bytes fetched)');
  for (const [name, row] of Object.entries(results)) {
    const ratio = (value: number, of: number) => `×${(value / of).toFixed(4)}`.padEnd(10);
    console.log(
      `  ${name.padEnd(48)} ${ratio(row.seconds, reference.seconds)} ${ratio(row.firstByteSeconds, reference.firstByteSeconds)} ` +
        ratio(row.fetchedBytes, reference.fetchedBytes),
    );
  }
  await mkdir(join(here, '../results'), { recursive: true });
  await writeFile(
    join(here, '../results/staging.json'),
    JSON.stringify({ measuredAt: new Date().toISOString(), loadAverage: loadavg(), files, fileBytes, readBytes, results }, null, 2),
  );
} finally {
  endpointProcess.send({ type: 'close' });
  await new Promise((closed) => endpointProcess.once('exit', closed));
  await rm(work, { recursive: true, force: true });
}
