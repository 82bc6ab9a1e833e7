import { serve, type ServerType } from '@hono/node-server';
import { createContext, type PodiumContext } from '#shared/context.ts';
import { ensureBuckets, ensureTable } from '#shared/storage/provision.ts';
import { storageConfigSchema, type StorageConfig } from '#shared/storage/storage-config.ts';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { createApp } from '../functions/api/app.ts';
import { startEmbeddedServers, type EmbeddedServers } from './embedded-servers.ts';
import { localSettings } from './local-config.ts';
import { seedExampleChallenges } from './seed-examples.ts';

export interface LocalPlatform {
  ctx: PodiumContext;
  servers: EmbeddedServers;
  apiUrl: string;
  challenges: Challenge[];
  close(): Promise<void>;
}

export interface LocalPlatformOptions {
  settings?: ReturnType<typeof localSettings>;
  /** Persist under settings.dataDir (default) or keep everything in memory (tests). */
  persist?: boolean;
  seedExamples?: boolean;
  log?: (line: string) => void;
}

/**
 * The whole platform in one process: DynamoDB and S3 on real protocols, the same Hono app that
 * runs in Lambda, and the example challenges loaded. `npm start` and end-to-end tests both use it.
 */
export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const settings = options.settings ?? localSettings();
  const log = options.log ?? (() => {});
  const persist = options.persist ?? true;
  const servers = await startEmbeddedServers({
    host: settings.host,
    ...(persist ? { dataDir: settings.dataDir, dynamoPort: settings.dynamoPort, s3Port: settings.s3Port } : { dynamoPort: 0, s3Port: 0 }),
  });
  const config: StorageConfig = storageConfigSchema.parse({
    region: 'eu-west-3',
    dynamoEndpoint: servers.dynamoEndpoint,
    s3Endpoint: servers.s3Endpoint,
  });
  const ctx = createContext(config);
  await ensureTable(ctx.db, config);
  await ensureBuckets(ctx.s3, config);

  const challenges = options.seedExamples === false ? [] : await seedExampleChallenges(ctx, settings.examplesDir, settings.dataDir, log);

  const app = createApp({ ctx });
  const apiServer: ServerType = await new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: settings.host, port: persist ? settings.apiPort : 0 }, () => resolve(server));
  });
  const address = apiServer.address();
  const port = typeof address === 'object' && address ? address.port : settings.apiPort;

  return {
    ctx,
    servers,
    apiUrl: `http://${settings.host}:${port}`,
    challenges,
    async close() {
      await new Promise<void>((resolve) => apiServer.close(() => resolve()));
      await servers.close();
    },
  };
}
