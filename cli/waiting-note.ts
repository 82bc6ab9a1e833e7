import type { Output } from './output.ts';

/**
 * "still …, 30 s" on stderr every `everyMs` while a long wait runs, so a silent terminal never
 * looks hung. Silent under --json. Returns the function that stops it.
 */
export function noteWhileWaiting(out: Output, what: () => string, everyMs = 10_000): () => void {
  const started = Date.now();
  const timer = setInterval(() => out.note(`  … ${what()}, ${Math.round((Date.now() - started) / 1000)} s`), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
