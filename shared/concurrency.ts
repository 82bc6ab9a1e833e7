/**
 * Runs `work` over `items` with at most `limit` calls in flight; results keep the input order.
 *
 * The first failure stops the pool: no item starts after it, the `signal` passed to each call
 * aborts (its reason is that failure) so calls in flight can give up early, and the pool rejects
 * with that failure once they have all settled, so nothing keeps running behind the caller's back.
 * An aborted `options.signal` (Ctrl-C) stops it the same way, rejecting with the signal's reason.
 *
 * @example await mapWithConcurrency(files, 4, (file, _index, signal) => upload(file, { signal }));
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  options: { signal?: AbortSignal } = {},
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a whole number of at least 1, not ${limit}`);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index, signal);
      } catch (error) {
        if (!stop.signal.aborted) stop.abort(error);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  // Ctrl-C, then the first failure, win over the failures they caused in the calls they aborted.
  options.signal?.throwIfAborted();
  if (stop.signal.aborted) throw stop.signal.reason;
  return results;
}
