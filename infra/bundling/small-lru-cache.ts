/**
 * Stands in for `mnemonist/lru-cache` in the Lambda bundles (an esbuild alias, infra/lambda-bundle.ts).
 * Its one user there is `@aws-sdk/endpoint-cache`, the DynamoDB client's endpoint-discovery cache,
 * which needs only these methods; mnemonist's typed-array cache and its iterator helpers cost
 * about 7 KB of the API bundle for a feature Podium leaves off. A Map keeps insertion order, so
 * the least recently used key is the first one.
 */
export default class SmallLruCache<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new Error('SmallLruCache: capacity should be a positive number');
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** The value without making it recently used. */
  peek(key: K): V | undefined {
    return this.#entries.get(key);
  }

  get(key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key)!;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return this;
  }

  clear(): void {
    this.#entries.clear();
  }
}
