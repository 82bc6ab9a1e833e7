import { createInterface } from 'node:readline/promises';
import { CliError, EXIT } from './output.ts';

/** Asks a question on the terminal; refuses (rather than hangs) when stdin is not a terminal. */
export async function ask(question: string, options: { hidden?: boolean; nonInteractiveHint: string }): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new CliError('NOT_INTERACTIVE', `cannot ask "${question.trim()}": stdin is not a terminal`, { exitCode: EXIT.usage, hint: options.nonInteractiveHint });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (options.hidden) {
    // Echo nothing while the password is typed.
    const write = (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput;
    (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text: string) => {
      if (text.includes(question)) write.call(rl, text);
    };
  }
  try {
    return await rl.question(question);
  } finally {
    if (options.hidden) process.stderr.write('\n');
    rl.close();
  }
}

export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
