import { describe, expect, it } from 'vitest';
import { createProgressBar } from '../../cli/progress.ts';

const MB = 1024 * 1024;

/** A pipe (not a terminal): the bar prints one plain line per quarter. */
function pipe() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (text: string) => lines.push(text.trimEnd()) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

describe('the upload progress bar', () => {
  it('shows bytes done of the total, the transfer rate and the time left, not counting skipped bytes in the rate', () => {
    const { lines, stream } = pipe();
    let clock = 0;
    const bar = createProgressBar({ label: 'uploading', totalBytes: 400 * MB, enabled: true, stream, now: () => clock });
    bar.skip(100 * MB); // unchanged files, or parts an earlier run sent
    clock = 2_000;
    bar.advance(100 * MB);
    bar.done();
    expect(lines).toEqual([
      'uploading [#######---------------------]  25% 100.0 MB/400.0 MB',
      'uploading [##############--------------]  50% 200.0 MB/400.0 MB 50.0 MB/s, 4s left',
    ]);
  });

  it('prints nothing with --json', () => {
    const { lines, stream } = pipe();
    const bar = createProgressBar({ label: 'uploading', totalBytes: 10, enabled: false, stream });
    bar.advance(5);
    bar.log('  + a file');
    bar.done();
    expect(lines).toEqual([]);
  });
});
