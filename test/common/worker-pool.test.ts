import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '#shared/concurrency.ts';

describe('mapWithConcurrency (the one worker pool)', () => {
  it('keeps the input order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapWithConcurrency([30, 5, 20, 1, 10, 2], 3, async (ms, index) => {
      most = Math.max(most, ++running);
      await sleep(ms);
      running--;
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2']);
    expect(most).toBe(3);
  });

  it('stops at the first failure: nothing starts after it, calls in flight are told, and it rejects with that failure once they settle', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const failure = new Error('part 2 refused');
    const run = mapWithConcurrency([1, 2, 3, 4, 5, 6], 2, async (item, _index, signal) => {
      started.push(item);
      try {
        if (item === 2) throw failure;
        await sleep(50, undefined, { signal });
      } finally {
        settled.push(item);
      }
    });
    await expect(run).rejects.toBe(failure);
    expect(started).toEqual([1, 2]);
    expect(settled.sort()).toEqual([1, 2]);
  });

  it('stops when the caller aborts, with the caller’s reason', async () => {
    const interrupt = new AbortController();
    const started: number[] = [];
    const run = mapWithConcurrency(
      [1, 2, 3, 4],
      1,
      async (item, _index, signal) => {
        started.push(item);
        if (item === 2) interrupt.abort(new Error('Ctrl-C'));
        await sleep(5, undefined, { signal });
      },
      { signal: interrupt.signal },
    );
    await expect(run).rejects.toThrow('Ctrl-C');
    expect(started).toEqual([1, 2]);
  });

  it('refuses a limit below one rather than doing nothing', async () => {
    await expect(mapWithConcurrency([1], 0, async (item) => item)).rejects.toThrow('at least 1');
  });
});
