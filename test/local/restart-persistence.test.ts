import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '#shared/context.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import { LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';

/** `npm start` as a user runs it: a separate process, killed with SIGKILL, then started again. */
const basePort = 20_000 + Math.floor(Math.random() * 20_000);
const children: ChildProcess[] = [];

async function startPodium(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    env: { ...process.env, PORT: String(basePort), PODIUM_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Podium did not start in time:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Podium is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Podium exited with ${code}:\n${output}`));
    });
  });
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('the local stack', () => {
  it('answers /health, lists the examples, and loses nothing across kill -9 and restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'podium-data-'));
    const api = `http://127.0.0.1:${basePort}`;
    const ctx = createContext(
      storageConfigSchema.parse({ ...LOCAL_STORAGE_NAMES, dynamoEndpoint: `http://127.0.0.1:${basePort + 2}`, s3Endpoint: `http://127.0.0.1:${basePort + 1}` }),
    );

    const first = await startPodium(dataDir);
    expect(((await (await fetch(`${api}/health`)).json()) as { status: string }).status).toBe('ok');
    await ctx.db.send(new PutCommand({ TableName: ctx.config.tableName, Item: { pk: 'RESTART#probe', sk: 'META', value: 42 } }));
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: 'probe/object.txt', Body: 'kept' }));
    await kill9(first);

    await startPodium(dataDir);
    const item = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: { pk: 'RESTART#probe', sk: 'META' } }));
    expect(item.Item?.value).toBe(42);
    const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: 'probe/object.txt' }));
    expect(await object.Body?.transformToString()).toBe('kept');
    const listing = (await (await fetch(`${api}/challenges`)).json()) as { challenges: { id: string; phases: { id: string }[]; datasets: { id: string }[] }[] };
    expect(listing.challenges.map((challenge) => challenge.id).sort()).toEqual(['tissuenet', 'visiomel']);
    expect(listing.challenges[0]!.phases.map((phase) => phase.id)).toEqual(['learning', 'final']);
    expect(listing.challenges[0]!.datasets.map((dataset) => dataset.id)).toEqual(['train', 'smoke', 'test', 'final']);
  }, 180_000);
});
