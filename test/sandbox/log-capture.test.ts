import { describe, expect, it } from 'vitest';
import { LogCapture, sanitiseLine } from '#shared/sandbox/log-capture.ts';

describe('log sanitiser: invisible format characters', () => {
  it('removes bidi embeddings, overrides and isolates, so a line reads as it is stored', () => {
    // "file_\u202Etxt.exe" displays as "file_exe.txt"; each control listed is stripped.
    const bidi = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u061c', '\u200e', '\u200f'];
    for (const control of bidi) expect(sanitiseLine(`file_${control}txt.exe`, 100)).toBe('file_txt.exe');
  });

  it('removes zero-width and other invisible characters but keeps ordinary text, accents and emoji', () => {
    const invisible = '\u200b\u200c\u200d\u2028\u2029\u2060\ufeff\u180e\u00ad\u{e0041}';
    expect(sanitiseLine(`ab${invisible}cd`, 100)).toBe('abcd');
    expect(sanitiseLine('Épreuve — 3 × 4 ≠ 11 🎉 مرحبا', 100)).toBe('Épreuve — 3 × 4 ≠ 11 🎉 مرحبا');
  });

  it('applies to what a run prints', () => {
    const log = new LogCapture();
    log.writeStdout(Buffer.from('score \u202e0.99\u202c ok\n'));
    log.writeStderr(Buffer.from('Error\u2066: hidden\u2069\n'));
    log.finish();
    expect(log.text()).toBe('score 0.99 ok\nError: hidden\n');
    expect(log.lastStderrLine).toBe('Error: hidden');
  });
});
