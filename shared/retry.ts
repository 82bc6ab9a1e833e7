import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** Milliseconds to wait after failed attempt `attempt` (1 for the first) before the next one. */
  delayMs: (attempt: number) => number;
  /** Whether a failure is worth another attempt; one that is not is thrown at once. Default: every failure. */
  retryable?: (error: unknown) => boolean;
  /** Stops the retrying and the waiting between attempts (rejecting with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Runs `work` until it resolves, waiting between attempts; when the attempts run out, or a failure
 * is not retryable, that failure is thrown as it is, so the caller's message stays the one a
 * person reads.
 *
 * @example await withRetries(() => putPart(url, body), { attempts: 3, delayMs: (n) => 500 * n, retryable: isTransient });
 */
export async function withRetries<T>(work: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || policy.signal?.aborted || !(policy.retryable?.(error) ?? true)) throw error;
    }
    // An abort while waiting rejects with the signal's reason (Ctrl-C's), not a bare AbortError.
    await sleep(policy.delayMs(attempt), undefined, policy.signal ? { signal: policy.signal } : {}).catch((error: unknown) => {
      policy.signal?.throwIfAborted();
      throw error;
    });
  }
}
