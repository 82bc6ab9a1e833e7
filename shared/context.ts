import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NotificationChannel } from './notifications/mail-delivery.ts';
import { createDynamoClient, createS3Client } from './storage/clients.ts';
import { storageConfigFromEnv, type StorageConfig, type StorageName } from './storage/storage-config.ts';

/**
 * What every domain function receives: storage clients, their names, and the clock. Lambda builds
 * one at module scope from the environment; the local stack and tests build theirs explicitly.
 * The clock is injectable so phase boundaries and quota windows are testable to the millisecond.
 */
export interface PodiumContext {
  config: StorageConfig;
  db: DynamoDBDocumentClient;
  s3: S3Client;
  now: () => Date;
  /** Where e-mails go (an outbox) and how unsubscribe links are signed; without it, notifications are in-app only. */
  notifications?: NotificationChannel;
}

export function createContext(config: StorageConfig, now: () => Date = () => new Date()): PodiumContext {
  return { config, db: createDynamoClient(config), s3: createS3Client(config), now };
}

/** A context for a component whose definition declares `needs` (see `storageConfigFromEnv`). */
export function contextFromEnv(needs: readonly StorageName[], env: NodeJS.ProcessEnv = process.env): PodiumContext {
  return createContext(storageConfigFromEnv(env, needs));
}
