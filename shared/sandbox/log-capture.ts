import { StringDecoder } from 'node:string_decoder';

/**
 * Captures a process's output as a capped, sanitised log. Bytes are decoded as UTF-8 (invalid
 * bytes become U+FFFD), split into lines, stripped of terminal escapes, control characters and
 * invisible format characters (bidi controls, zero-width characters),
 * and cut at `maxLineChars`. The log keeps its first `headBytes` and a rolling tail up to
 * `maxBytes` in all, noting how much was dropped in between, so both the start and the final
 * error of a run that prints gigabytes survive in bounded memory.
 */
export interface LogCaptureLimits {
  maxBytes: number;
  headBytes: number;
  maxLineChars: number;
}

export const DEFAULT_LOG_LIMITS: LogCaptureLimits = { maxBytes: 1024 * 1024, headBytes: 64 * 1024, maxLineChars: 4000 };

// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), other two-character escapes.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]?/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Invisible format characters that can reorder or hide what a reader sees (as archive names strip
// them): bidi embeddings, overrides and isolates, the Arabic letter mark, zero-width characters,
// line and paragraph separators, word joiner and invisible operators, the byte order mark,
// interlinear annotation marks, the soft hyphen, the Mongolian vowel separator and tag characters.
const INVISIBLE_FORMAT = /[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

export function sanitiseLine(line: string, maxLineChars: number): string {
  const clean = line.replace(ESCAPES, '').replace(CONTROLS, '').replace(INVISIBLE_FORMAT, '');
  return clean.length > maxLineChars ? `${clean.slice(0, maxLineChars)}… [line cut at ${maxLineChars} characters]` : clean;
}

class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private readonly maxLineChars: number,
    private readonly onLine: (line: string) => void,
  ) {}

  write(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk);
    const lines = text.split(/\r\n|\r|\n/);
    this.partial = lines.pop() ?? '';
    // An endless line is cut as it streams, so memory stays bounded.
    if (this.partial.length > this.maxLineChars * 2) {
      this.onLine(this.partial);
      this.partial = '';
    }
    for (const line of lines) this.onLine(line);
  }

  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.onLine(rest);
  }
}

export class LogCapture {
  private head: string[] = [];
  private headSize = 0;
  private tail: string[] = [];
  private tailSize = 0;
  private dropped = 0;
  private readonly stdout: LineSplitter;
  private readonly stderr: LineSplitter;
  private stderrTail: string[] = [];
  /** Total bytes the process wrote, including what was dropped. */
  bytesSeen = 0;

  constructor(private readonly limits: LogCaptureLimits = DEFAULT_LOG_LIMITS) {
    this.stdout = new LineSplitter(limits.maxLineChars, (line) => this.add(line));
    this.stderr = new LineSplitter(limits.maxLineChars, (line) => {
      const clean = this.add(line);
      if (clean.trim()) {
        this.stderrTail.push(clean);
        if (this.stderrTail.length > 5) this.stderrTail.shift();
      }
    });
  }

  writeStdout(chunk: Buffer): void {
    this.bytesSeen += chunk.length;
    this.stdout.write(chunk);
  }

  writeStderr(chunk: Buffer): void {
    this.bytesSeen += chunk.length;
    this.stderr.write(chunk);
  }

  /** Adds a line the platform itself writes (limits hit, exit status). */
  note(line: string): void {
    this.add(`[podium] ${line}`);
  }

  private add(raw: string): string {
    const line = sanitiseLine(raw, this.limits.maxLineChars);
    const size = Buffer.byteLength(line) + 1;
    if (this.headSize + size <= this.limits.headBytes && this.tail.length === 0) {
      this.head.push(line);
      this.headSize += size;
      return line;
    }
    this.tail.push(line);
    this.tailSize += size;
    const tailBudget = this.limits.maxBytes - this.headSize;
    while (this.tailSize > tailBudget && this.tail.length > 0) {
      const removed = this.tail.shift()!;
      this.tailSize -= Buffer.byteLength(removed) + 1;
      this.dropped += Buffer.byteLength(removed) + 1;
    }
    return line;
  }

  finish(): void {
    this.stdout.end();
    this.stderr.end();
  }

  /** The last non-empty line written to stderr, sanitised (typically the exception). */
  get lastStderrLine(): string | undefined {
    return this.stderrTail.at(-1);
  }

  /** The last few stderr lines (to recognise a MemoryError above a final line). */
  get stderrTailText(): string {
    return this.stderrTail.join('\n');
  }

  text(): string {
    const gap = this.dropped > 0 ? [`[podium] … ${this.dropped} bytes of output dropped (log cap ${this.limits.maxBytes} bytes) …`] : [];
    return [...this.head, ...gap, ...this.tail].join('\n') + '\n';
  }
}
