import { Option, type Command } from 'commander';
import { usageError } from './output.ts';

/** `-c, --challenge <id>`, the same on every command that acts on a challenge. */
export const challengeOption = (description = 'challenge id (default: the one you last joined)'): Option => new Option('-c, --challenge <id>', description);

/**
 * The challenge given as the first argument or as `-c/--challenge` (both forms work everywhere),
 * and the remaining arguments: with `-c`, what was typed first is the next argument, not the challenge.
 */
export function challengeAndRest(
  positionals: (string | undefined)[],
  flag: string | undefined,
): { challenge: string | undefined; rest: (string | undefined)[] } {
  if (flag === undefined || positionals[0] === flag) return { challenge: flag ?? positionals[0], rest: positionals.slice(1) };
  const last = positionals[positionals.length - 1];
  if (last !== undefined) {
    throw usageError(`the challenge is given twice: "${positionals[0]}" and -c ${flag}`, 'give it once, as the first argument or with -c <id>');
  }
  return { challenge: flag, rest: positionals.slice(0, -1) };
}

/** Adds the optional `[challenge]` argument and `-c` to a command whose first argument is the challenge. */
export function withChallengeArgument(command: Command, description = 'challenge id'): Command {
  return command.argument('[challenge]', `${description} (or -c <id>)`).addOption(challengeOption());
}
