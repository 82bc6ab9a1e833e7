import { describe, expect, it } from 'vitest';
import SmallLruCache from '../../infra/bundling/small-lru-cache.ts';

// The stand-in for mnemonist's LRU cache in the Lambda bundles: what @aws-sdk/endpoint-cache relies on.
describe('the bundles’ LRU cache', () => {
  it('evicts the least recently used key; get refreshes a key, peek and has do not', () => {
    const cache = new SmallLruCache<string, number>(2);
    cache.set('a', 1).set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3); // evicts b
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(cache.peek('a')).toBe(1); // a stays the least recent
    cache.set('d', 4); // evicts a
    expect([cache.has('a'), cache.peek('c'), cache.get('d'), cache.size]).toEqual([false, 3, 4, 2]);
    cache.set('c', 30); // replacing a key keeps one entry for it
    expect([cache.size, cache.get('c')]).toEqual([2, 30]);
    cache.clear();
    expect([cache.size, cache.get('c')]).toEqual([0, undefined]);
  });

  it('refuses a capacity that is not positive, as mnemonist does', () => {
    expect(() => new SmallLruCache(0)).toThrow(/capacity/);
  });
});
