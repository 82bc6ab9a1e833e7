import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, statfs, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mapWithConcurrency } from '#shared/concurrency.ts';
import { verifyMountedInputs } from '#shared/pipeline/mounted-inputs.ts';
import { downloadInputs } from '#shared/pipeline/run-inference-job.ts';
import { createS3Client } from '#shared/storage/clients.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { ensureBuckets } from '#shared/storage/provision.ts';
import { startEmbeddedServers } from '../../local/embedded-servers.ts';
import { InstanceMounts, s3fsAvailable } from '../../local/job-runner/instance-mounts.ts';

/**
 * Hidden inputs at scale, scaled down: a hidden dataset of `--files` files of `--mib` MiB each in
 * the local S3 endpoint, staged the way the inference job stages it. The reference is today's
 * full download (the launcher's `downloadInputs`); against it, in the same run, the instance mount
 * (`s3fs` here, standing in for Mountpoint, through the same InstanceMounts the parity harness
 * uses): a first run that reads every byte, a repeat run on the same instance, and a run that
 * reads `--read-kib` KiB of each file (one pyramid level of a slide), first and repeated, with the
 * s3fs tuning Podium uses and with s3fs's defaults. Each figure is seconds and bytes fetched from
 * the S3 endpoint (counted by a proxy in front of it). Results: bench/results/staging.json.
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

const servers = await startEmbeddedServers();
/** Counts what the endpoint sends back: response bytes and GETs, per scenario. */
const counter = { bytes: 0, gets: 0, requests: 0 };
const counting = http.createServer((request, response) => {
  const upstream = new URL(servers.s3Endpoint);
  counter.requests++;
  if (request.method === 'GET') counter.gets++;
  const outgoing = http.request(
    { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => (counter.bytes += chunk.length));
      answer.pipe(response);
    },
  );
  outgoing.on('error', () => response.destroy());
  request.pipe(outgoing);
});
await new Promise<void>((done) => counting.listen(0, '127.0.0.1', done));
const endpoint = `http://127.0.0.1:${(counting.address() as AddressInfo).port}`;
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

const results: Record<string, { seconds: number; fetchedBytes: number; gets: number; requests: number }> = {};
async function measure(name: string, work: () => Promise<unknown>): Promise<void> {
  Object.assign(counter, { bytes: 0, gets: 0, requests: 0 });
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  results[name] = { seconds, fetchedBytes: counter.bytes, gets: counter.gets, requests: counter.requests };
  console.log(`  ${name.padEnd(48)} ${seconds.toFixed(2).padStart(8)} s ${(counter.bytes / MiB).toFixed(1).padStart(10)} MiB fetched, ${counter.gets} GETs`);
}

/** Reads `length` bytes of each file (all of it when undefined) from the middle: what a model asks of a slide. */
async function readEach(root: string, length?: number): Promise<void> {
  const buffer = Buffer.alloc(Math.min(length ?? 4 * MiB, 4 * MiB));
  await mapWithConcurrency(keys, READERS, async (key) => {
    const handle = await open(join(root, key));
    try {
      if (length === undefined) {
        while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
      } else {
        const { bytesRead } = await handle.read(buffer, 0, length, Math.floor(fileBytes / 2));
        if (bytesRead !== length) throw new Error(`${key}: read ${bytesRead} of ${length} bytes`);
      }
    } finally {
      await handle.close();
    }
  });
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

  await measure('reference: full download (today)', () => downloadInputs(s3, config.hiddenBucket, prefix, join(work, 'download')));
  await rm(join(work, 'download'), { recursive: true, force: true });

  const mountAt = async (name: string, tuning?: string[]) => {
    const mounts = new InstanceMounts({ root: join(work, name), s3Endpoint: endpoint, region: config.region, mode: 's3fs', ...(tuning ? { tuning } : {}) });
    const dir = await mounts.mount({ challengeId: 'bench', phaseId: 'learning', bucket: config.hiddenBucket, prefix, hostPath: '/mnt/podium/learning/test' });
    return { dir, mounts };
  };
  {
    const { dir, mounts } = await mountAt('full');
    await measure('mount: check against the listing (names, sizes)', () => verifyMountedInputs(s3, config.hiddenBucket, prefix, dir));
    await measure('mount: first run, reads every byte', () => readEach(dir));
    await measure('mount: repeat run on the same instance', () => readEach(dir));
    await mounts.close();
  }
  {
    const { dir, mounts } = await mountAt('partial');
    await measure(`mount: first run, ${readBytes / 1024} KiB of each file`, () => readEach(dir, readBytes));
    await measure(`mount: repeat run, ${readBytes / 1024} KiB of each file`, () => readEach(dir, readBytes));
    await mounts.close();
  }
  {
    const { dir, mounts } = await mountAt('partial-defaults', []);
    await measure(`mount, s3fs defaults: ${readBytes / 1024} KiB of each file`, () => readEach(dir, readBytes));
    await mounts.close();
  }

  const reference = results['reference: full download (today)']!;
  console.log('\nratios to the full download of the same run (seconds, bytes fetched)');
  for (const [name, row] of Object.entries(results)) {
    console.log(`  ${name.padEnd(48)} ×${(row.seconds / reference.seconds).toFixed(3)}  ×${(row.fetchedBytes / reference.fetchedBytes).toFixed(4)}`);
  }
  await mkdir(join(here, '../results'), { recursive: true });
  await writeFile(
    join(here, '../results/staging.json'),
    JSON.stringify({ measuredAt: new Date().toISOString(), files, fileBytes, readBytes, results }, null, 2),
  );
} finally {
  counting.close();
  await servers.close();
  await rm(work, { recursive: true, force: true });
}
