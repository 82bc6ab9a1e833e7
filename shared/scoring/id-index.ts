/**
 * A set of row ids keyed by their UTF-8 bytes, each with a dense slot number (0, 1, 2, … in
 * insertion order). Ids compare as exact bytes, so spaces and leading zeros are significant.
 *
 * Layout, chosen for lookups in a shuffled predictions file, where every probe is a cache miss:
 * a power-of-two open-addressing table with linear probing whose buckets hold the id's 32-bit
 * hash next to its slot, so a probe reads one cache line and compares bytes only when the hashes
 * agree; the ids themselves are packed in one byte arena (no JavaScript strings). A million ids
 * cost about 35 MB.
 */
export class IdIndex {
  private arena: Buffer;
  private arenaUsed = 0;
  /** Slot s's bytes are arena[offsets[s] .. offsets[s + 1]). */
  private offsets: Int32Array;
  /** Two Int32 per bucket: the id's hash, then slot + 1 (0 when the bucket is empty). */
  private table: Int32Array;
  /** Bucket count - 1. */
  private mask: number;
  /** Reused by `findBatch`. */
  private batchHashes = new Int32Array(0);
  size = 0;

  constructor(expectedIds = 1024) {
    const capacity = Math.max(16, expectedIds);
    this.arena = Buffer.allocUnsafe(capacity * 16);
    this.offsets = new Int32Array(capacity + 1);
    let buckets = 16;
    while (buckets < capacity * 2) buckets *= 2;
    this.table = new Int32Array(buckets * 2);
    this.mask = buckets - 1;
  }

  static fromStrings(ids: Iterable<string>): { index: IdIndex; duplicates: number } {
    const list = Array.isArray(ids) ? (ids as string[]) : [...ids];
    const index = new IdIndex(list.length);
    let duplicates = 0;
    for (const id of list) {
      const bytes = Buffer.from(id, 'utf8');
      if (index.add(bytes, 0, bytes.length) < 0) duplicates++;
    }
    return { index, duplicates };
  }

  /** The slot of the id, or -1 when it is not in the set. */
  find(bytes: Uint8Array, from: number, to: number): number {
    const hash = hashBytes(bytes, from, to);
    const table = this.table;
    const mask = this.mask;
    let bucket = hash & mask;
    for (;;) {
      const entry = table[2 * bucket + 1]!;
      if (entry === 0) return -1;
      if (table[2 * bucket] === hash && this.equals(entry - 1, bytes, from, to)) return entry - 1;
      bucket = (bucket + 1) & mask;
    }
  }

  /**
   * Looks up `count` ids at once, `bytes[starts[k] .. ends[k])` for each k, writing each slot (or
   * -1) to `slots[k]`; a negative start is skipped and gets -1. Same answers as `find`, faster on
   * large sets: hashing every id first, then probing, then comparing bytes makes the lookups
   * independent of each other, so the processor overlaps their cache misses.
   */
  findBatch(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, slots: Int32Array): void {
    const hashes = this.hashesFor(bytes, starts, ends, count);
    // The first bucket whose hash agrees is nearly always the id; `equals` below confirms it.
    const table = this.table;
    const mask = this.mask;
    for (let k = 0; k < count; k++) {
      let candidate = -1;
      if (starts[k]! >= 0) {
        const hash = hashes[k]!;
        let bucket = hash & mask;
        for (;;) {
          const entry = table[2 * bucket + 1]!;
          if (entry === 0) break;
          if (table[2 * bucket] === hash) {
            candidate = entry - 1;
            break;
          }
          bucket = (bucket + 1) & mask;
        }
      }
      slots[k] = candidate;
    }
    for (let k = 0; k < count; k++) {
      const slot = slots[k]!;
      if (slot >= 0 && !this.equals(slot, bytes, starts[k]!, ends[k]!)) slots[k] = this.find(bytes, starts[k]!, ends[k]!);
    }
  }

  /** Adds the id and returns its new slot, or -1 when it was already present. */
  add(bytes: Uint8Array, from: number, to: number): number {
    if ((this.size + 1) * 2 > this.mask + 1) this.rehash();
    return this.insert(hashBytes(bytes, from, to), bytes, from, to);
  }

  /**
   * Adds `count` ids in order, as `add` on each (`bytes[starts[k] .. ends[k])`), writing each new
   * slot, or -1 for an id already present, to `slots[k]`; a negative start is skipped and gets -2.
   * Hashing them all first lets the processor overlap the table's cache misses.
   */
  addBatch(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, slots: Int32Array): void {
    while ((this.size + count) * 2 > this.mask + 1) this.rehash();
    const hashes = this.hashesFor(bytes, starts, ends, count);
    for (let k = 0; k < count; k++) slots[k] = starts[k]! < 0 ? -2 : this.insert(hashes[k]!, bytes, starts[k]!, ends[k]!);
  }

  private hashesFor(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): Int32Array {
    if (this.batchHashes.length < count) this.batchHashes = new Int32Array(Math.max(count, 2 * this.batchHashes.length));
    const hashes = this.batchHashes;
    for (let k = 0; k < count; k++) {
      const from = starts[k]!;
      if (from >= 0) hashes[k] = hashBytes(bytes, from, ends[k]!);
    }
    return hashes;
  }

  /** `add` once the table has room and the hash is known. */
  private insert(hash: number, bytes: Uint8Array, from: number, to: number): number {
    const table = this.table;
    const mask = this.mask;
    let bucket = hash & mask;
    for (;;) {
      const entry = table[2 * bucket + 1]!;
      if (entry === 0) break;
      if (table[2 * bucket] === hash && this.equals(entry - 1, bytes, from, to)) return -1;
      bucket = (bucket + 1) & mask;
    }
    const slot = this.size;
    const length = to - from;
    if (slot + 1 >= this.offsets.length) this.offsets = grow(this.offsets, this.offsets.length * 2);
    if (this.arenaUsed + length > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + length));
      this.arena.copy(bigger, 0, 0, this.arenaUsed);
      this.arena = bigger;
    }
    const arena = this.arena;
    const at = this.arenaUsed;
    for (let k = 0; k < length; k++) arena[at + k] = bytes[from + k]!;
    this.arenaUsed += length;
    this.offsets[slot + 1] = this.arenaUsed;
    table[2 * bucket] = hash;
    table[2 * bucket + 1] = slot + 1;
    this.size++;
    return slot;
  }

  private equals(slot: number, bytes: Uint8Array, from: number, to: number): boolean {
    const start = this.offsets[slot]!;
    const length = this.offsets[slot + 1]! - start;
    if (length !== to - from) return false;
    const arena = this.arena;
    for (let k = 0; k < length; k++) if (arena[start + k] !== bytes[from + k]) return false;
    return true;
  }

  /** Doubles the bucket count, re-placing entries from the old table (hashes are stored, so no id is re-read). */
  private rehash(): void {
    const old = this.table;
    const buckets = (this.mask + 1) * 2;
    const table = new Int32Array(buckets * 2);
    const mask = buckets - 1;
    for (let k = 0; k < old.length; k += 2) {
      const entry = old[k + 1]!;
      if (entry === 0) continue;
      const hash = old[k]!;
      let bucket = hash & mask;
      while (table[2 * bucket + 1] !== 0) bucket = (bucket + 1) & mask;
      table[2 * bucket] = hash;
      table[2 * bucket + 1] = entry;
    }
    this.table = table;
    this.mask = mask;
  }
}

function grow(array: Int32Array, length: number): Int32Array {
  const next = new Int32Array(length);
  next.set(array.subarray(0, Math.min(array.length, length)));
  return next;
}

/**
 * MurmurHash3-style mixing (x86, 32-bit) of the bytes, four at a time: well spread even for ids that differ
 * in one digit (`slide_0001`, `slide_0002`), and cheaper than a byte-at-a-time hash.
 */
export function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let hash = 0x9747b28c ^ (to - from);
  let k = from;
  for (; k + 4 <= to; k += 4) {
    let word = bytes[k]! | (bytes[k + 1]! << 8) | (bytes[k + 2]! << 16) | (bytes[k + 3]! << 24);
    word = Math.imul(word, 0xcc9e2d51);
    word = (word << 15) | (word >>> 17);
    hash ^= Math.imul(word, 0x1b873593);
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  if (k < to) {
    let word = bytes[k]!;
    if (k + 1 < to) word |= bytes[k + 1]! << 8;
    if (k + 2 < to) word |= bytes[k + 2]! << 16;
    word = Math.imul(word, 0xcc9e2d51);
    word = (word << 15) | (word >>> 17);
    hash ^= Math.imul(word, 0x1b873593);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash | 0;
}

/**
 * Reusable buffers for `findBatch`/`addBatch` over one CSV batch: each record's id byte range in
 * (start -1: no id to look up), its slot out. Grown when a batch has more records than they hold.
 */
export class IdBatchBuffers {
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  slots = new Int32Array(1024);

  reserve(count: number): this {
    if (count > this.slots.length) {
      this.starts = new Int32Array(count * 2);
      this.ends = new Int32Array(count * 2);
      this.slots = new Int32Array(count * 2);
    }
    return this;
  }
}
