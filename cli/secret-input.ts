import { ask, readAllStdin } from './prompt.ts';

/**
 * The secrets a command asks for, in order (password, then a new password): one line each from
 * stdin with `--password-stdin`, else an environment variable, else a hidden prompt. Scripts never
 * put a secret in argv, where `ps` would show it.
 */
export class SecretInput {
  private lines: Promise<string[]> | undefined;

  constructor(private readonly fromStdin: boolean) {}

  async next(question: string, envName: string): Promise<string> {
    if (this.fromStdin) {
      this.lines ??= readAllStdin().then((text) => text.split(/\r?\n/));
      const line = (await this.lines).shift();
      if (line) return line;
    }
    const fromEnv = process.env[envName];
    if (fromEnv) return fromEnv;
    return ask(question, { hidden: true, nonInteractiveHint: `pass --password-stdin (one secret a line) or set ${envName}` });
  }
}
