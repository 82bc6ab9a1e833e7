import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import type { ArchiveLimits } from './archive-limits.ts';
import { ArchiveProblem, displayName } from './archive-problem.ts';
import { entryName } from './entry-rules.ts';
import { centralDirectory, inspectArchive, type ArchiveInspection } from './inspect-archive.ts';
import { describeZipError, openZip } from './zip-source.ts';

/** Counts bytes as they stream and checks the CRC at the end; stops at the archive's byte budget. */
class CountingCheck extends Transform {
  private crc = 0;
  private bytes = 0;

  constructor(
    private readonly name: string,
    private readonly expectedCrc: number,
    private readonly budget: { remaining: number },
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.budget.remaining -= chunk.length;
    if (this.budget.remaining < 0) return done(new ArchiveProblem('ARCHIVE_TOO_LARGE', 'the archive expands to more than its size limit while extracting'));
    this.crc = crc32(chunk, this.crc);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.crc >>> 0 !== this.expectedCrc >>> 0) {
      return done(new ArchiveProblem('ARCHIVE_INVALID', `entry ${displayName(this.name)} is corrupt (CRC mismatch)`));
    }
    done();
  }
}

function inside(root: string, relative: string): string {
  const target = resolve(root, relative);
  if (target !== root && !target.startsWith(root + sep)) {
    throw new ArchiveProblem('ARCHIVE_UNSAFE_PATH', `entry ${displayName(relative)} would be written outside the extraction folder`);
  }
  return target;
}

/**
 * Extracts a local archive into `destination` (which must be empty or absent), enforcing every
 * inspection rule again plus what only decompression reveals: actual sizes, CRCs, lying headers.
 * Only regular files and folders are created; an existing path is never overwritten.
 */
export async function extractArchive(archivePath: string, destination: string, limits: ArchiveLimits): Promise<ArchiveInspection> {
  const inspection = await inspectArchive({ kind: 'file', path: archivePath }, limits, (await stat(archivePath)).size);
  const root = resolve(destination);
  await mkdir(root, { recursive: true });
  const zip = await openZip({ kind: 'file', path: archivePath });
  const budget = { remaining: limits.maxUncompressedBytes };
  try {
    let index = 0;
    for await (const entry of centralDirectory(zip)) {
      const expected = inspection.entries[index++];
      const name = entryName(entry);
      if (!expected || expected.name !== name) throw new ArchiveProblem('ARCHIVE_INVALID', 'the archive changed while it was being extracted');
      if (expected.ignored || (expected.isDirectory && name === inspection.stripPrefix)) continue;
      const relative = name.slice(inspection.stripPrefix.length);
      const target = inside(root, relative);
      if (expected.isDirectory) {
        await mkdir(target, { recursive: true, mode: 0o755 });
        continue;
      }
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      const stream = await new Promise<NodeJS.ReadableStream>((done, fail) =>
        zip.openReadStream(entry, (error, readable) => (error ? fail(error) : done(readable))),
      );
      try {
        // 'wx': fails if the path exists (no overwrite) and never follows a symlink there.
        await pipeline(stream, new CountingCheck(name, expected.crc32, budget), createWriteStream(target, { flags: 'wx', mode: 0o644 }));
      } catch (error) {
        if (error instanceof ArchiveProblem) throw error;
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ArchiveProblem('ARCHIVE_INVALID', `entry ${displayName(name)} appears twice`);
        throw new ArchiveProblem('ARCHIVE_INVALID', `entry ${displayName(name)} could not be decompressed (${describeZipError(error)})`);
      }
    }
    return inspection;
  } finally {
    zip.close();
  }
}
