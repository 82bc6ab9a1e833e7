/**
 * Everything the CLI prints goes through here, so `--json` holds everywhere: results and errors as
 * one JSON document on stdout, progress on stderr, and one exit code per kind of failure.
 */

/** Exit codes, documented in `podium --help`. */
export const EXIT = {
  ok: 0,
  /** The request or check failed (the API said no, a file is invalid, …). */
  failed: 1,
  /** The command line itself is wrong (unknown option, missing argument). */
  usage: 2,
  /** The API could not be reached at all. */
  unreachable: 3,
  /** The submission (or local test run) finished, but FAILED, REJECTED or CANCELLED. */
  submissionFailed: 4,
} as const;

export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly details: unknown;
  /** What the user can do about it, shown under the message. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { exitCode?: number; details?: unknown; hint?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT.failed;
    this.details = options.details;
    this.hint = options.hint;
  }
}

export const usageError = (message: string, hint?: string): CliError => new CliError('USAGE', message, { exitCode: EXIT.usage, hint });

/**
 * Text from the API (team names, failure messages, log lines) can carry terminal escape sequences
 * that would rewrite the user's screen; every control character but tab and newline is dropped.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

export interface Output {
  json: boolean;
  /** Prints the command's result: the JSON document, or the human rendering. */
  result(value: unknown, human: () => void): void;
  /** A line for people on stdout; silent under --json. */
  line(text?: string): void;
  /** A note on stderr (progress, warnings); silent under --json. */
  note(text: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else human();
    },
    line(text = '') {
      if (!json) process.stdout.write(`${printable(text)}\n`);
    },
    note(text) {
      if (!json) process.stderr.write(`${printable(text)}\n`);
    },
  };
}

/** Prints an error the way the user asked for, and returns the exit code to use. */
export function reportError(error: unknown, json: boolean): number {
  const cliError =
    error instanceof CliError
      ? error
      : isDomainError(error)
        ? new CliError(error.code, error.message, { details: error.details })
        : new CliError('INTERNAL', error instanceof Error ? error.message : String(error));
  if (json) {
    const body: Record<string, unknown> = { error: cliError.code, message: cliError.message };
    if (cliError.details !== undefined) body.details = cliError.details;
    if (cliError.hint) body.hint = cliError.hint;
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    process.stderr.write(`podium: ${printable(cliError.message)}${cliError.code === 'USAGE' ? '' : ` [${cliError.code}]`}\n`);
    if (cliError.hint) process.stderr.write(`  ${cliError.hint}\n`);
    if (cliError.code === 'INTERNAL' && process.env.PODIUM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  }
  return cliError.exitCode;
}

/** A PodiumError from shared/ (checked by shape, so the CLI need not load shared/errors.ts eagerly). */
function isDomainError(error: unknown): error is { code: string; message: string; details: unknown } {
  return error instanceof Error && error.name === 'PodiumError' && typeof (error as { code?: unknown }).code === 'string';
}

/** Left-aligned text columns, right-aligned numbers; the header underlined with dashes. */
export function formatTable(headers: string[], rows: (string | number | undefined | null)[][], numeric: boolean[] = []): string {
  const cells = rows.map((row) =>
    headers.map((_, index) => (row[index] === undefined || row[index] === null ? '' : printable(String(row[index])).replace(/[\t\n]/g, ' '))),
  );
  const widths = headers.map((header, index) => Math.max(header.length, ...cells.map((row) => row[index]!.length)));
  const render = (row: string[]) =>
    row
      .map((cell, index) => (numeric[index] ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [render(headers), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)].join('\n');
}

/** "1.5 MB" style sizes for progress and summaries. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A path as one shell word, so a printed command can be pasted as it is. */
export const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
