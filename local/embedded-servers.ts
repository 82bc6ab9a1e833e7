import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';

/**
 * DynamoDB (dynalite) and S3 (s3rver) inside this process, speaking the real wire protocols, so
 * the same SDK clients and domain code run here as on AWS. With a directory they persist across
 * restarts; without one they live in memory (tests).
 */
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

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

  const s3Dir = options.dataDir ? `${options.dataDir}/s3` : await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/podium-s3-'));
  const s3 = new S3rver({
    address: host,
    port: options.s3Port ?? 0,
    directory: s3Dir,
    silent: true,
    resetOnClose: !options.dataDir,
    vhostBuckets: false,
  });
  const s3Address = await s3.run();
  const s3Events = new EventEmitter();
  s3.on('event', (event: { Records: S3EventRecord[] }) => {
    for (const record of event.Records ?? []) {
      if (record.eventName.startsWith('ObjectCreated')) s3Events.emit('object-created', record);
    }
  });

  return {
    dynamoEndpoint: `http://${host}:${dynamoPort}`,
    s3Endpoint: `http://${host}:${s3Address.port}`,
    s3Events,
    async close() {
      await s3.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
