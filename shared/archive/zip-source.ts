import { PassThrough, Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import yauzl, { type ZipFile } from 'yauzl';
import { ArchiveProblem } from './archive-problem.ts';
import { getArchiveObject } from './archive-version.ts';

/**
 * Where an archive's bytes are: a local file, or an S3 object read with ranged GETs. With `eTag`,
 * every ranged GET is pinned to that version: a replacement half-way through is ARCHIVE_INVALID,
 * never a verdict stitched together from two archives.
 */
export type ZipSource = { kind: 'file'; path: string } | { kind: 's3'; s3: S3Client; bucket: string; key: string; size: number; eTag?: string };

/** Options yauzl always gets: one entry at a time, sizes checked, names decoded by us (no rewriting). */
const ZIP_OPTIONS = { lazyEntries: true, validateEntrySizes: true, decodeStrings: false, autoClose: false } as const;

const BLOCK_BYTES = 256 * 1024;
const CACHED_BLOCKS = 4;

/**
 * A random-access reader over ranged S3 GETs. Reads go through a small cache of aligned blocks,
 * so walking a central directory of thousands of entries costs a few GETs, and memory stays at
 * CACHED_BLOCKS × BLOCK_BYTES whatever the archive.
 */
class S3RangeReader extends yauzl.RandomAccessReader {
  private readonly blocks = new Map<number, Promise<Buffer>>();

  constructor(private readonly source: Extract<ZipSource, { kind: 's3' }>) {
    super();
  }

  private block(index: number): Promise<Buffer> {
    let cached = this.blocks.get(index);
    if (cached) {
      this.blocks.delete(index);
      this.blocks.set(index, cached);
      return cached;
    }
    const start = index * BLOCK_BYTES;
    const end = Math.min(this.source.size, start + BLOCK_BYTES) - 1;
    cached = getArchiveObject(this.source.s3, this.source, 'while it was being validated', `bytes=${start}-${end}`).then(async (response) =>
      Buffer.from(await response.Body!.transformToByteArray()),
    );
    cached.catch(() => this.blocks.delete(index));
    this.blocks.set(index, cached);
    while (this.blocks.size > CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    return cached;
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    void (async () => {
      for (let position = start; position < end;) {
        const index = Math.floor(position / BLOCK_BYTES);
        const block = await this.block(index);
        const from = position - index * BLOCK_BYTES;
        const to = Math.min(block.length, end - index * BLOCK_BYTES);
        if (to <= from) throw new Error(`archive ended at byte ${position} of ${end}`);
        if (!out.write(block.subarray(from, to))) await new Promise((resolve) => out.once('drain', resolve));
        position = index * BLOCK_BYTES + to;
      }
      out.end();
    })().catch((error: unknown) => out.destroy(error as Error));
    return out;
  }
}

/** Opens the zip or throws ARCHIVE_INVALID naming why it is not a readable zip. */
export async function openZip(source: ZipSource): Promise<ZipFile> {
  try {
    if (source.kind === 'file') return await yauzl.openPromise(source.path, ZIP_OPTIONS);
    if (source.size === 0) throw new ArchiveProblem('ARCHIVE_INVALID', 'the archive is empty (0 bytes)');
    return await yauzl.fromRandomAccessReaderPromise(new S3RangeReader(source), source.size, ZIP_OPTIONS);
  } catch (error) {
    if (error instanceof ArchiveProblem) throw error;
    throw new ArchiveProblem('ARCHIVE_INVALID', `the file is not a readable zip archive (${describeZipError(error)})`);
  }
}

/** yauzl's messages are technical but contain no competitor data beyond offsets; keep them short. */
export function describeZipError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 160 ? `${message.slice(0, 160)}…` : message;
}
