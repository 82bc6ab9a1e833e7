import { describe, expect, it } from 'vitest';
import { formatDuration, rulesFingerprint } from '../../web/src/lib/format.ts';

describe('formatDuration, as the submission tables show run times', () => {
  it('says "< 1 s" for a sub-second run, never "0 s"', () => {
    expect(formatDuration(0)).toBe('< 1 s');
    expect(formatDuration(420)).toBe('< 1 s');
    expect(formatDuration(999)).toBe('< 1 s');
  });

  it('rounds to whole seconds from one second, and to minutes and seconds from a minute', () => {
    expect(formatDuration(1000)).toBe('1 s');
    expect(formatDuration(42_400)).toBe('42 s');
    expect(formatDuration(59_600)).toBe('1 min 0 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
  });

  it('shows a dash when the run has no duration yet', () => {
    expect(formatDuration(undefined)).toBe('—');
  });
});

describe('rulesFingerprint, as the join page and the Rules tab show the rules digest', () => {
  it('shows the first 8 characters of the digest the accept button sends', () => {
    expect(rulesFingerprint('0045752c2e7cdb8d')).toBe('0045752c');
  });
});
