import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `npm start` on a host where bubblewrap cannot start (a failing `bwrap` first on PATH). */
let fakeBin: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  fakeBin = await mkdtemp(join(tmpdir(), 'podium-no-bwrap-'));
  await chmod(fakeBin, 0o755);
  await writeFile(join(fakeBin, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n', { mode: 0o755 });
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts the stack; resolves with its output once it says `until`, or exits. */
async function start(env: NodeJS.ProcessEnv, until: string): Promise<{ output: string; exitCode: number | null }> {
  const basePort = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    env: {
      ...process.env,
      PATH: `${fakeBin}:${process.env.PATH}`,
      PORT: String(basePort),
      PODIUM_DATA_DIR: await mkdtemp(join(tmpdir(), 'podium-data-')),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(until)) resolve({ output, exitCode: child.exitCode });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('close', (exitCode) => resolve({ output, exitCode }));
  });
}

describe('npm start without a working sandbox', () => {
  it('refuses to start, saying what to install', async () => {
    const { output, exitCode } = await start({}, '\0never');
    expect(exitCode).toBe(1);
    expect(output).toMatch(/refusing to start.*bubblewrap does not start here: bwrap: No permissions to create new namespace.*apt-get install bubblewrap/);
    expect(output).not.toContain('Podium is running');
  }, 60_000);

  it('starts with a loud warning only when PODIUM_UNSAFE_NO_SANDBOX=1', async () => {
    const { output } = await start({ PODIUM_UNSAFE_NO_SANDBOX: '1' }, 'Podium is running');
    expect(output).toMatch(/WARNING: PODIUM_UNSAFE_NO_SANDBOX=1 and no sandbox: competitor code runs WITHOUT ISOLATION/);
    expect(output).toContain('Podium is running');
  }, 120_000);
});
