import { formatBytes } from './output.ts';

/**
 * A one-line progress bar on stderr: bytes done of the total, and the transfer rate. On a
 * terminal it redraws in place (at most ten times a second); elsewhere (CI logs, pipes) it prints
 * a plain line at every quarter, so logs stay short.
 */
export interface ProgressBar {
  /** Bytes transferred now: they count towards the rate. */
  advance(bytes: number): void;
  /** Bytes done without a transfer (unchanged, or sent by an earlier run): not in the rate. */
  skip(bytes: number): void;
  /** A line printed above the bar (a file finished, a file skipped). */
  log(line: string): void;
  done(summary?: string): void;
}

export interface ProgressOptions {
  label: string;
  totalBytes: number;
  enabled: boolean;
  stream?: NodeJS.WriteStream;
  /** Milliseconds clock, for the rate; injectable for tests. */
  now?: () => number;
}

const WIDTH = 28;

export function createProgressBar({ label, totalBytes, enabled, stream = process.stderr, now = Date.now }: ProgressOptions): ProgressBar {
  const tty = Boolean(stream.isTTY);
  let current = 0;
  let transferred = 0;
  // Hashing time counts: the rate is what the organiser gets, and the estimate of what is left.
  const started = now();
  let lastDraw = 0;
  let lastQuarter = -1;
  let drawn = false;

  const text = () => {
    const fraction = totalBytes > 0 ? Math.min(1, current / totalBytes) : 1;
    const filled = Math.round(fraction * WIDTH);
    return (
      `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ` +
      `${formatBytes(current)}/${formatBytes(totalBytes)}${rate()}`
    );
  };
  const rate = () => {
    const seconds = (now() - started) / 1000;
    if (seconds < 1 || transferred === 0) return '';
    const perSecond = transferred / seconds;
    const left = Math.max(0, totalBytes - current);
    const eta = left > 0 && perSecond > 0 ? `, ${formatDuration(left / perSecond)} left` : '';
    return ` ${formatBytes(perSecond)}/s${eta}`;
  };
  const draw = (force = false) => {
    if (!enabled) return;
    if (tty) {
      const at = now();
      if (!force && at - lastDraw < 100) return;
      lastDraw = at;
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
      transferred += bytes;
      draw();
    },
    skip(bytes) {
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

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}
