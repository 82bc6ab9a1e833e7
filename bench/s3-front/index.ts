import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { startS3Front } from '../../local/s3-front/s3-front.ts';

/** A multipart form POST whose file part streams from disk (fetch's FormData would buffer it whole). */
async function streamFormPost(url: string, fields: Record<string, string>, path: string): Promise<number> {
  const boundary = `bench-${Date.now()}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('') + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="post.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { size } = await stat(path);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + size + tail.length } },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.once('error', reject);
    request.write(head);
    const body = createReadStream(path);
    body.pipe(request, { end: false });
    body.once('end', () => request.end(tail));
  });
}

/**
 * What the local S3 front costs: one PutObject of `--mib=N` (default 256) straight to s3rver and
 * through the front, alternating, `--repeat=N` (default 3) each, median reported; then one
 * presigned POST of the same file through the front (staged to disk, judged, replayed to s3rver)
 * with the process's peak RSS over its baseline, to show the upload streams instead of buffering.
 */
const mib = Number(process.argv.find((arg) => arg.startsWith('--mib='))?.split('=')[1] ?? 256);
const repeat = Number(process.argv.find((arg) => arg.startsWith('--repeat='))?.split('=')[1] ?? 3);
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };

const work = await mkdtemp(join(tmpdir(), 'podium-bench-s3-front-'));
const s3rver = new S3rver({ address: '127.0.0.1', port: 0, directory: join(work, 's3'), silent: true, resetOnClose: true, vhostBuckets: false });
const direct = await s3rver.run();
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const front = await startS3Front({
  host: '127.0.0.1',
  port: 0,
  upstream: { host: '127.0.0.1', port: direct.port },
  credentials: [credentials],
  stagingDir: join(work, 'staging'),
});
const client = (port: number) =>
  new S3Client({
    region: 'eu-west-3',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
const viaS3rver = client(direct.port);
const viaFront = client(front.port);
await viaS3rver.send(new CreateBucketCommand({ Bucket: 'bench' }));

const file = join(work, 'archive.bin');
const out = createWriteStream(file);
const chunk = Buffer.alloc(1024 * 1024, 7);
for (let i = 0; i < mib; i++) if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
out.end();
await finished(out);

const timePut = async (s3: S3Client) => {
  const started = performance.now();
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'put.bin', Body: createReadStream(file), ContentLength: mib * 1024 * 1024 }));
  return (performance.now() - started) / 1000;
};
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
await timePut(viaS3rver); // warm-up
const directTimes: number[] = [];
const frontTimes: number[] = [];
for (let i = 0; i < repeat; i++) {
  directTimes.push(await timePut(viaS3rver));
  frontTimes.push(await timePut(viaFront));
}

let peakRss = 0;
const baselineRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const { url, fields } = await createPresignedPost(viaFront, { Bucket: 'bench', Key: 'post.bin', Conditions: [['content-length-range', 1, mib * 1024 * 1024]] });
const postStarted = performance.now();
const postStatus = await streamFormPost(url, fields, file);
const postSeconds = (performance.now() - postStarted) / 1000;
clearInterval(sampler);
if (postStatus !== 204) throw new Error(`POST answered ${postStatus}`);

console.log(
  `PutObject ${mib} MiB, median of ${repeat}: s3rver ${median(directTimes).toFixed(2)} s, through the front ${median(frontTimes).toFixed(2)} s ` +
    `(×${(median(frontTimes) / median(directTimes)).toFixed(2)})`,
);
console.log(
  `presigned POST ${mib} MiB through the front: ${postSeconds.toFixed(2)} s, peak RSS ${((peakRss - baselineRss) / 1024 / 1024).toFixed(0)} MiB over ` +
    `the ${(baselineRss / 1024 / 1024).toFixed(0)} MiB baseline`,
);
await front.close();
await s3rver.close();
await rm(work, { recursive: true, force: true });
