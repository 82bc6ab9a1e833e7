import { describe, expect, it } from 'vitest';
import { withRetries } from '#shared/retry.ts';

describe('withRetries (the one retry helper)', () => {
  it('retries a retryable failure after the policy’s delay and returns the first success', async () => {
    const attempts: { attempt: number; at: number }[] = [];
    const started = Date.now();
    const result = await withRetries(
      async (attempt) => {
        attempts.push({ attempt, at: Date.now() - started });
        if (attempt < 3) throw new Error(`hiccup ${attempt}`);
        return 'stored';
      },
      { attempts: 5, delayMs: (attempt) => 20 * attempt },
    );
    expect(result).toBe('stored');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    // Waited 20 ms after the first failure and 40 ms after the second.
    expect(attempts[2]!.at).toBeGreaterThanOrEqual(55);
  });

  it('throws the last failure as it is when the attempts run out', async () => {
    let calls = 0;
    const run = withRetries(
      async (attempt) => {
        calls++;
        throw new Error(`storage refused part 1 (attempt ${attempt})`);
      },
      { attempts: 3, delayMs: () => 1 },
    );
    await expect(run).rejects.toThrow('storage refused part 1 (attempt 3)');
    expect(calls).toBe(3);
  });

  it('throws a failure the policy calls permanent at once', async () => {
    let calls = 0;
    const refusal = new Error('403 AccessDenied');
    const run = withRetries(
      async () => {
        calls++;
        throw refusal;
      },
      { attempts: 5, delayMs: () => 1, retryable: (error) => error !== refusal },
    );
    await expect(run).rejects.toBe(refusal);
    expect(calls).toBe(1);
  });

  it('stops waiting when aborted', async () => {
    const interrupt = new AbortController();
    const run = withRetries(
      async () => {
        setTimeout(() => interrupt.abort(new Error('Ctrl-C')), 5);
        throw new Error('hiccup');
      },
      { attempts: 3, delayMs: () => 60_000, signal: interrupt.signal },
    );
    await expect(run).rejects.toThrow('Ctrl-C');
  });
});
