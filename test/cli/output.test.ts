import { describe, expect, it } from 'vitest';
import { formatBytes, formatTable, printable } from '../../cli/output.ts';

describe('CLI output helpers', () => {
  it('aligns table columns, numbers to the right', () => {
    const table = formatTable(
      ['RANK', 'TEAM', 'SCORE'],
      [
        [1, 'Ada and friends', 0.9123],
        [10, 'Bo', 0.5],
      ],
      [true, false, true],
    );
    expect(table.split('\n')).toEqual([
      'RANK  TEAM              SCORE',
      '----  ---------------  ------',
      '   1  Ada and friends  0.9123',
      '  10  Bo                  0.5',
    ]);
  });

  it('drops terminal escape sequences and line breaks that a team name could smuggle into a table', () => {
    const table = formatTable(['TEAM'], [['\u001b[2J\u001b[31mEvil\nteam\u0007']]);
    expect(table).not.toContain('\u001b');
    expect(table).not.toContain('\u0007');
    expect(table.split('\n')[2]).toBe('[2J[31mEvil team');
    expect(printable('tab\tand\nnewline stay, \u009b CSI goes')).toBe('tab\tand\nnewline stay,  CSI goes');
  });

  it('prints sizes people read', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024 * 1024)).toBe('5.0 GB');
  });
});
