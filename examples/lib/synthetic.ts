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

/**
 * A tiled, pyramidal 8-bit greyscale TIFF, shaped like a whole-slide image on a tiny scale: full
 * resolution in the first directory, each further level half the size (2×2 means), uncompressed
 * tiles of `tile`×`tile` pixels. tifffile, Pillow and OpenSlide's generic-TIFF reader open it.
 * Pixel data comes last in the file, after every directory.
 */
export function pyramidalTiff(
  width: number,
  height: number,
  pixel: (x: number, y: number) => number,
  options: { levels?: number; tile?: number } = {},
): Uint8Array {
  const tile = options.tile ?? 16;
  const levels: { width: number; height: number; pixels: Uint8Array }[] = [];
  const full = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) full[y * width + x] = Math.max(0, Math.min(255, Math.round(pixel(x, y))));
  levels.push({ width, height, pixels: full });
  for (let level = 1; level < (options.levels ?? 2); level++) {
    const previous = levels.at(-1)!;
    const w = Math.max(1, previous.width >> 1);
    const h = Math.max(1, previous.height >> 1);
    const pixels = new Uint8Array(w * h);
    const at = (x: number, y: number) => previous.pixels[Math.min(previous.height - 1, y) * previous.width + Math.min(previous.width - 1, x)]!;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++)
        pixels[y * w + x] = Math.round((at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1)) / 4);
    }
    levels.push({ width: w, height: h, pixels });
  }
  // Tiles of a level, row by row, padded with 0 past the image's edge (as TIFF tiles are).
  const tilesOf = (level: (typeof levels)[number]) => {
    const tiles: Uint8Array[] = [];
    for (let ty = 0; ty < Math.ceil(level.height / tile); ty++) {
      for (let tx = 0; tx < Math.ceil(level.width / tile); tx++) {
        const bytes = new Uint8Array(tile * tile);
        for (let y = 0; y < tile; y++) {
          for (let x = 0; x < tile; x++) {
            const sx = tx * tile + x;
            const sy = ty * tile + y;
            if (sx < level.width && sy < level.height) bytes[y * tile + x] = level.pixels[sy * level.width + sx]!;
          }
        }
        tiles.push(bytes);
      }
    }
    return tiles;
  };
  const tiled = levels.map(tilesOf);
  const TAGS = 12;
  const ifdBytes = (tileCount: number) => 2 + TAGS * 12 + 4 + 2 * tileCount * 4;
  let offset = 8;
  const ifdOffsets = tiled.map((tiles) => {
    const at = offset;
    offset += ifdBytes(tiles.length);
    return at;
  });
  // Smallest level's data first, so the full resolution's pixels end the file.
  const dataOffsets: number[][] = tiled.map(() => []);
  for (let level = tiled.length - 1; level >= 0; level--) {
    for (const bytes of tiled[level]!) {
      dataOffsets[level]!.push(offset);
      offset += bytes.length;
    }
  }
  const file = Buffer.alloc(offset);
  file.write('II', 0, 'ascii');
  file.writeUInt16LE(42, 2);
  file.writeUInt32LE(ifdOffsets[0]!, 4);
  tiled.forEach((tiles, level) => {
    let at = ifdOffsets[level]!;
    const arrays = at + 2 + TAGS * 12 + 4;
    const entry = (tag: number, type: number, count: number, value: number) => {
      file.writeUInt16LE(tag, at);
      file.writeUInt16LE(type, at + 2);
      file.writeUInt32LE(count, at + 4);
      if (type === 3 && count === 1) file.writeUInt16LE(value, at + 8);
      else file.writeUInt32LE(value, at + 8);
      at += 12;
    };
    const one = tiles.length === 1;
    file.writeUInt16LE(TAGS, at);
    at += 2;
    entry(254, 4, 1, level === 0 ? 0 : 1); // NewSubfileType: reduced-resolution image past level 0
    entry(256, 4, 1, levels[level]!.width);
    entry(257, 4, 1, levels[level]!.height);
    entry(258, 3, 1, 8); // BitsPerSample
    entry(259, 3, 1, 1); // Compression: none
    entry(262, 3, 1, 1); // Photometric: BlackIsZero
    entry(277, 3, 1, 1); // SamplesPerPixel
    entry(284, 3, 1, 1); // PlanarConfiguration: chunky
    entry(322, 3, 1, tile); // TileWidth
    entry(323, 3, 1, tile); // TileLength
    entry(324, 4, tiles.length, one ? dataOffsets[level]![0]! : arrays); // TileOffsets
    entry(325, 4, tiles.length, one ? tile * tile : arrays + tiles.length * 4); // TileByteCounts
    file.writeUInt32LE(level + 1 < tiled.length ? ifdOffsets[level + 1]! : 0, at);
    if (!one) {
      dataOffsets[level]!.forEach((dataOffset, index) => {
        file.writeUInt32LE(dataOffset, arrays + index * 4);
        file.writeUInt32LE(tile * tile, arrays + tiles.length * 4 + index * 4);
      });
    }
    tiles.forEach((bytes, index) => file.set(bytes, dataOffsets[level]![index]!));
  });
  return file;
}
