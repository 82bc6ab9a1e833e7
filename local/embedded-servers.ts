import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import { startS3Front } from './s3-front/s3-front.ts';

/**
 * DynamoDB (dynalite) and S3 (s3rver) inside this process, speaking the real wire protocols, so
 * the same SDK clients and domain code run here as on AWS. With a directory they persist across
 * restarts; without one they live in memory (tests). s3rver listens on a private port behind the
 * S3 front (`s3-front/`), which enforces the presigned POST policies and If-Match that s3rver skips.
 */
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

/** s3rver's built-in account, the one the SDK clients sign with locally (shared/storage/clients.ts). */
const LOCAL_S3_CREDENTIALS = [{ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }];

interface S3rverInstance extends EventEmitter {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** The S3 event notification record s3rver emits, shaped as AWS's. */
export interface S3EventRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
}

export interface EmbeddedServers {
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** Emits 'object-created' with an S3EventRecord for every PUT, POST, COPY and completed multipart upload. */
  s3Events: EventEmitter;
  close(): Promise<void>;
}

export interface EmbeddedServerOptions {
  /** Persist under this folder (`.data/`); in memory when absent. */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. */
  dynamoPort?: number;
  /** The S3 endpoint's port (the front's; s3rver itself always takes a free loopback port). */
  s3Port?: number;
}

export async function startEmbeddedServers(options: EmbeddedServerOptions = {}): Promise<EmbeddedServers> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataDir) {
    await mkdir(`${options.dataDir}/dynamodb`, { recursive: true });
    await mkdir(`${options.dataDir}/s3`, { recursive: true });
  }

  const dynamo = dynalite({
    ...(options.dataDir ? { path: `${options.dataDir}/dynamodb` } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(options.dynamoPort ?? 0, host, () => resolve());
  });
  const dynamoPort = (dynamo.address() as AddressInfo).port;

  const s3Dir = options.dataDir ? `${options.dataDir}/s3` : await mkdtemp('/tmp/podium-s3-');
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: s3Dir,
    silent: true,
    resetOnClose: !options.dataDir,
    vhostBuckets: false,
  });
  const s3Address = await s3.run();
  const stagingDir = options.dataDir ? join(options.dataDir, 's3-post-staging') : await mkdtemp('/tmp/podium-s3-post-');
  const s3Front = await startS3Front({
    host,
    port: options.s3Port ?? 0,
    upstream: { host: '127.0.0.1', port: s3Address.port },
    credentials: LOCAL_S3_CREDENTIALS,
    stagingDir,
  });
  const s3Events = new EventEmitter();
  s3.on('event', (event: { Records: S3EventRecord[] }) => {
    for (const record of event.Records ?? []) {
      if (record.eventName.startsWith('ObjectCreated')) s3Events.emit('object-created', record);
    }
  });

  return {
    dynamoEndpoint: `http://${host}:${dynamoPort}`,
    s3Endpoint: `http://${host}:${s3Front.port}`,
    s3Events,
    async close() {
      await s3Front.close();
      await s3.close();
      if (!options.dataDir) await rm(stagingDir, { recursive: true, force: true });
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
