import { input, password } from '@inquirer/prompts';
import { CliError, EXIT } from './output.ts';

/**
 * Asks a question on the terminal (on stderr, so stdout stays the command's output); a hidden
 * answer echoes nothing. Refuses, rather than hangs, when stdin is not a terminal.
 */
export async function ask(question: string, options: { hidden?: boolean; nonInteractiveHint: string }): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new CliError('NOT_INTERACTIVE', `cannot ask "${question.trim()}": stdin is not a terminal`, {
      exitCode: EXIT.usage,
      hint: options.nonInteractiveHint,
    });
  }
  const message = question.trim().replace(/:$/, '');
  const terminal = { input: process.stdin, output: process.stderr };
  try {
    return options.hidden ? await password({ message }, terminal) : await input({ message }, terminal);
  } catch (error) {
    // Ctrl-C at a prompt: stop as the shell expects, without a stack.
    if ((error as Error).name === 'ExitPromptError') throw new CliError('CANCELLED', 'stopped at the prompt; nothing was changed', { exitCode: 130 });
    throw error;
  }
}

export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
