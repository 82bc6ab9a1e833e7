import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');

/** Runs the fixture under a pseudo-terminal (util-linux `script`), typing each answer once its question shows. */
function answerAtTerminal(answers: { after: string; type: string }[], outFile: string): Promise<string> {
  const command = `${process.execPath} --import tsx test/cli/fixtures/ask-secret.ts ${outFile}`;
  return new Promise((done, fail) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let screen = '';
    const pending = [...answers];
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      while (pending[0] && screen.includes(pending[0].after)) child.stdin.write(pending.shift()!.type);
    });
    child.on('error', fail);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', () => {
      clearTimeout(timer);
      done(screen);
    });
  });
}

describe('terminal prompts', () => {
  it('never echoes a password, shows other answers, and returns what was typed', async () => {
    const outFile = join(await mkdtemp(join(tmpdir(), 'podium-prompt-')), 'answers.json');
    const screen = await answerAtTerminal(
      [
        { after: 'Password', type: 'Hunter2-secret\r' },
        { after: 'Authenticator code', type: '123456\r' },
      ],
      outFile,
    );
    expect(JSON.parse(await readFile(outFile, 'utf8'))).toEqual({ secret: 'Hunter2-secret', code: '123456' });
    expect(screen).toContain('Authenticator code');
    expect(screen).toContain('123456');
    expect(screen).not.toContain('Hunter2');
  });
});
