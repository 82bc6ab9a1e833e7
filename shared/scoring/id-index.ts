/**
 * A set of row ids keyed by their UTF-8 bytes, each with a dense slot number (0, 1, 2, … in
 * insertion order). Open addressing over an Int32Array with the ids packed in one byte arena:
 * a million ids cost a few tens of megabytes and no JavaScript strings. Ids compare as exact
 * bytes, so spaces and leading zeros are significant.
 */
export class IdIndex {
  private arena: Buffer;
  private arenaUsed = 0;
  private offsets: Int32Array;
  private hashes: Int32Array;
  /** slot + 1 per bucket; 0 is empty. */
  private table: Int32Array;
  private mask: number;
  size = 0;

  constructor(expectedIds = 1024) {
    const capacity = Math.max(16, expectedIds);
    this.arena = Buffer.allocUnsafe(capacity * 16);
    this.offsets = new Int32Array(capacity + 1);
    this.hashes = new Int32Array(capacity);
    let buckets = 16;
    while (buckets < capacity * 2) buckets *= 2;
    this.table = new Int32Array(buckets);
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
    let bucket = hash & this.mask;
    for (;;) {
      const entry = this.table[bucket]!;
      if (entry === 0) return -1;
      const slot = entry - 1;
      if (this.hashes[slot] === hash && this.equals(slot, bytes, from, to)) return slot;
      bucket = (bucket + 1) & this.mask;
    }
  }

  /** Adds the id and returns its new slot, or -1 when it was already present. */
  add(bytes: Uint8Array, from: number, to: number): number {
    if ((this.size + 1) * 2 > this.table.length) this.rehash();
    const hash = hashBytes(bytes, from, to);
    let bucket = hash & this.mask;
    for (;;) {
      const entry = this.table[bucket]!;
      if (entry === 0) break;
      const slot = entry - 1;
      if (this.hashes[slot] === hash && this.equals(slot, bytes, from, to)) return -1;
      bucket = (bucket + 1) & this.mask;
    }
    const slot = this.size;
    const length = to - from;
    if (slot + 1 >= this.offsets.length) {
      this.offsets = grow(this.offsets, this.offsets.length * 2) as Int32Array;
      this.hashes = grow(this.hashes, this.offsets.length) as Int32Array;
    }
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
    this.hashes[slot] = hash;
    this.table[bucket] = slot + 1;
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

  private rehash(): void {
    const buckets = this.table.length * 2;
    const table = new Int32Array(buckets);
    const mask = buckets - 1;
    for (let slot = 0; slot < this.size; slot++) {
      let bucket = this.hashes[slot]! & mask;
      while (table[bucket] !== 0) bucket = (bucket + 1) & mask;
      table[bucket] = slot + 1;
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

/** FNV-1a, then a final avalanche so similar ids (`slide_0001`, `slide_0002`) spread over buckets. */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let k = from; k < to; k++) hash = Math.imul(hash ^ bytes[k]!, 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash | 0;
}
