import { formatBytes } from './output.ts';

/**
 * A one-line progress bar on stderr. On a terminal it redraws in place (at most ten times a
 * second); elsewhere (CI logs, pipes) it prints a plain line at every quarter, so logs stay short.
 */
export interface ProgressBar {
  advance(bytes: number): void;
  /** A line printed above the bar (a file finished, a file skipped). */
  log(line: string): void;
  done(summary?: string): void;
}

export interface ProgressOptions {
  label: string;
  totalBytes: number;
  enabled: boolean;
  stream?: NodeJS.WriteStream;
}

const WIDTH = 28;

export function createProgressBar({ label, totalBytes, enabled, stream = process.stderr }: ProgressOptions): ProgressBar {
  const tty = Boolean(stream.isTTY);
  let current = 0;
  let lastDraw = 0;
  let lastQuarter = -1;
  let drawn = false;

  const text = () => {
    const fraction = totalBytes > 0 ? Math.min(1, current / totalBytes) : 1;
    const filled = Math.round(fraction * WIDTH);
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(current)}/${formatBytes(totalBytes)}`;
  };
  const draw = (force = false) => {
    if (!enabled) return;
    if (tty) {
      const now = Date.now();
      if (!force && now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r\x1b[2K${text()}`);
      drawn = true;
      return;
    }
    const quarter = totalBytes > 0 ? Math.floor((Math.min(current, totalBytes) / totalBytes) * 4) : 4;
    if (quarter > lastQuarter) {
      lastQuarter = quarter;
      stream.write(`${text()}\n`);
    }
  };

  return {
    advance(bytes) {
      current += bytes;
      draw();
    },
    log(line) {
      if (!enabled) return;
      if (tty && drawn) stream.write('\r\x1b[2K');
      stream.write(`${line}\n`);
      if (tty && drawn) draw(true);
    },
    done(summary) {
      if (!enabled) return;
      draw(true);
      if (tty && drawn) stream.write('\n');
      if (summary) stream.write(`${summary}\n`);
    },
  };
}
