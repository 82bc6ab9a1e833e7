import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'cli', 'bin', 'podium.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

export interface CliRunner {
  configDir: string;
  /** Runs `node cli/bin/podium.js <args>` as a user would; never throws on a non-zero exit. */
  run(args: string[], options?: { cwd?: string; env?: Record<string, string>; input?: string }): Promise<CliRun>;
}

/**
 * A CLI user with their own config dir. The CLI runs as a child process; the platform it talks to
 * runs in the test process, so the child must be awaited asynchronously (never spawnSync).
 */
export async function cliUser(apiUrl?: string): Promise<CliRunner> {
  const configDir = await mkdtemp(join(tmpdir(), 'podium-cli-config-'));
  return {
    configDir,
    run(args, options = {}) {
      const argv = apiUrl ? ['--api', apiUrl, ...args] : args;
      return new Promise((done, fail) => {
        const child = spawn(process.execPath, [BIN, ...argv], {
          cwd: options.cwd ?? REPO,
          env: { ...process.env, PODIUM_CONFIG_DIR: configDir, PODIUM_API: '', NO_COLOR: '1', ...options.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', fail);
        child.stdin.end(options.input ?? '');
        child.on('close', (code) =>
          done({
            code: code ?? -1,
            stdout,
            stderr,
            json<T>() {
              try {
                return JSON.parse(stdout) as T;
              } catch {
                throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
              }
            },
          }),
        );
      });
    },
  };
}

/** `podium join` answers to the demo challenges' registration questions (examples/*\/challenge.yaml). */
export const TISSUENET_ANSWERS = ['--answer', 'affiliation=Institut Curie', '--answer', 'country=France', '--answer', 'data-use=yes'];
export const VISIOMEL_ANSWERS = ['--answer', 'affiliation=Gustave Roussy', '--answer', 'data-use=yes'];
