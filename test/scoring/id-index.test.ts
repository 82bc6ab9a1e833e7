import { describe, expect, it } from 'vitest';
import { IdIndex } from '#shared/scoring/id-index.ts';

/** Ids packed one after another in one buffer, as a CSV batch holds them, with their byte ranges. */
function packed(ids: string[]) {
  const parts = ids.map((id) => Buffer.from(id, 'utf8'));
  const starts = new Int32Array(ids.length);
  const ends = new Int32Array(ids.length);
  let at = 0;
  parts.forEach((part, k) => {
    starts[k] = at;
    at += part.length;
    ends[k] = at;
  });
  return { bytes: Buffer.concat(parts), starts, ends };
}

// Near-identical ids (one digit apart), prefixes of one another, the empty id, multi-byte UTF-8.
const nearIdentical = Array.from({ length: 5000 }, (_, i) => `slide_${String(i).padStart(7, '0')}.tif`);
const awkward = ['', 'a', 'aa', 'aaa', 'a ', ' a', '001', '1', 'é', 'e\u0301', 'slide_0000001.tif ', 'x'.repeat(300)];
const ids = [...nearIdentical, ...awkward];
const unknown = ['slide_0005000.tif', 'slide_000000.tif', 'slide_0000001.ti', 'aaaa', ' ', 'E', 'x'.repeat(299)];

describe('IdIndex', () => {
  it('grows far past its initial size and finds every id at its slot, and nothing else', () => {
    // Prepare: a 16-id table must rehash many times.
    const index = new IdIndex(16);
    const { bytes, starts, ends } = packed(ids);
    // Act
    const slots = ids.map((_, k) => index.add(bytes, starts[k]!, ends[k]!));
    // Assess
    expect(slots).toEqual(ids.map((_, k) => k));
    expect(index.size).toBe(ids.length);
    ids.forEach((id, k) => expect(index.find(Buffer.from(id), 0, Buffer.byteLength(id))).toBe(k));
    for (const id of unknown) expect(index.find(Buffer.from(id), 0, Buffer.byteLength(id))).toBe(-1);
  });

  it('refuses a repeated id, including within one batch, and keeps slots dense', () => {
    const index = new IdIndex(16);
    const batch = packed(['b', 'a', 'b', 'c', 'a']);
    const slots = new Int32Array(5);
    index.addBatch(batch.bytes, batch.starts, batch.ends, 5, slots);
    expect([...slots]).toEqual([0, 1, -1, 2, -1]);
    expect(index.add(Buffer.from('c'), 0, 1)).toBe(-1);
    expect(index.add(Buffer.from('d'), 0, 1)).toBe(3);
  });

  it('addBatch skips negative starts and matches add one by one', () => {
    const one = new IdIndex(16);
    const many = new IdIndex(16);
    const { bytes, starts, ends } = packed(ids);
    starts[3] = -1;
    const slots = new Int32Array(ids.length);
    many.addBatch(bytes, starts, ends, ids.length, slots);
    expect(slots[3]).toBe(-2);
    ids.forEach((_, k) => {
      if (k !== 3) expect(slots[k]).toBe(one.add(bytes, starts[k]!, ends[k]!));
    });
    expect(many.size).toBe(ids.length - 1);
  });

  it('findBatch gives the same answers as find, shuffled, with unknown ids and skipped entries', () => {
    const index = IdIndex.fromStrings(ids).index;
    const queries = [...ids, ...unknown].reverse();
    const { bytes, starts, ends } = packed(queries);
    starts[0] = -1;
    const slots = new Int32Array(queries.length);
    index.findBatch(bytes, starts, ends, queries.length, slots);
    expect(slots[0]).toBe(-1);
    queries.forEach((_, k) => {
      if (k > 0) expect(slots[k]).toBe(index.find(bytes, starts[k]!, ends[k]!));
    });
    // queries[0], the one skipped, is an unknown id: every known id is found.
    expect([...slots].filter((slot) => slot >= 0)).toHaveLength(ids.length);
  });
});
