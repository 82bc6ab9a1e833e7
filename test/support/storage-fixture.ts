import { randomUUID } from 'node:crypto';
import { createContext, type PodiumContext } from '#shared/context.ts';
import { ensureBuckets, ensureTable } from '#shared/storage/provision.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import { startEmbeddedServers, type EmbeddedServers } from '../../local/embedded-servers.ts';

/**
 * Real dynalite and s3rver on ephemeral loopback ports, in memory, for one test file.
 * Each call of `freshContext()` gets its own table and buckets, so tests never share state.
 */
export interface StorageFixture {
  servers: EmbeddedServers;
  freshContext(now?: () => Date): Promise<PodiumContext>;
  close(): Promise<void>;
}

export async function startStorageFixture(): Promise<StorageFixture> {
  const servers = await startEmbeddedServers();
  return {
    servers,
    async freshContext(now) {
      const suffix = randomUUID().slice(0, 8);
      const config = storageConfigSchema.parse({
        region: 'eu-west-3',
        tableName: `podium-${suffix}`,
        datasetsBucket: `datasets-${suffix}`,
        submissionsBucket: `submissions-${suffix}`,
        predictionsBucket: `predictions-${suffix}`,
        hiddenBucket: `hidden-${suffix}`,
        dynamoEndpoint: servers.dynamoEndpoint,
        s3Endpoint: servers.s3Endpoint,
      });
      const ctx = createContext(config, now);
      await ensureTable(ctx.db, config);
      await ensureBuckets(ctx.s3, config);
      return ctx;
    },
    close: () => servers.close(),
  };
}

/** A controllable clock for phase-boundary and quota-window tests. */
export function manualClock(startIso: string) {
  let current = new Date(startIso).getTime();
  return {
    now: () => new Date(current),
    set: (iso: string) => {
      current = new Date(iso).getTime();
    },
    advance: (ms: number) => {
      current += ms;
    },
  };
}
