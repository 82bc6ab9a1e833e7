import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Mulberry32: a tiny seeded PRNG, so every machine generates byte-identical demo data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function writeDatasetFile(root: string, relativePath: string, content: string | Uint8Array): Promise<void> {
  const path = join(root, relativePath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

export function csv(header: string[], rows: (string | number)[][]): string {
  return [header.join(','), ...rows.map((row) => row.join(','))].join('\n') + '\n';
}

/** A binary PGM (P5) greyscale image: trivial to read with the Python standard library. */
export function pgmImage(width: number, height: number, pixel: (x: number, y: number) => number): Uint8Array {
  const header = Buffer.from(`P5\n${width} ${height}\n255\n`, 'ascii');
  const body = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) body[y * width + x] = Math.max(0, Math.min(255, Math.round(pixel(x, y))));
  }
  return Buffer.concat([header, body]);
}
