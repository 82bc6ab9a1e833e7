import type { Entry, ZipFile } from 'yauzl';
import type { ArchiveLimits } from './archive-limits.ts';
import { ArchiveProblem, displayName } from './archive-problem.ts';
import { classifyEntry, type ArchiveEntry } from './entry-rules.ts';
import { describeZipError, openZip, type ZipSource } from './zip-source.ts';

export const MAIN_SCRIPT = 'main.py';

/** What the central directory says: the entries to extract and the folder prefix to strip. */
export interface ArchiveInspection {
  entries: ArchiveEntry[];
  /** `folder/` when everything sits in one top-level folder (stripped on extraction), else ''. */
  stripPrefix: string;
  fileCount: number;
  uncompressedBytes: number;
}

export type ArchiveVerdict = { ok: true; inspection: ArchiveInspection } | { ok: false; reason: ArchiveProblem['reason']; message: string };

/** The central directory's entries, one at a time (yauzl `lazyEntries`), errors as ARCHIVE_INVALID. */
export async function* centralDirectory(zip: ZipFile): AsyncGenerator<Entry> {
  while (true) {
    const entry = await new Promise<Entry | undefined>((resolve, reject) => {
      const onEntry = (found: Entry) => (cleanup(), resolve(found));
      const onEnd = () => (cleanup(), resolve(undefined));
      const onError = (error: Error) => (
        cleanup(),
        reject(error instanceof ArchiveProblem ? error : new ArchiveProblem('ARCHIVE_INVALID', `the archive is corrupt (${describeZipError(error)})`))
      );
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
}

/** The single top-level folder every kept entry sits in, if there is one and main.py is not at the root. */
function strippablePrefix(files: ArchiveEntry[], script: string): string {
  if (files.some((file) => file.name === script)) return '';
  const tops = new Set(files.map((file) => (file.name.includes('/') ? file.name.split('/')[0] + '/' : '')));
  if (tops.size !== 1) return '';
  const [top] = tops;
  return top ?? '';
}

/** Explains a missing main.py with what was found instead. */
function missingMainScript(files: ArchiveEntry[], stripPrefix: string, script: string): ArchiveProblem {
  const relative = files.map((file) => file.name.slice(stripPrefix.length));
  const wrongCase = relative.find((name) => name.toLowerCase() === script);
  if (wrongCase) {
    return new ArchiveProblem(
      'MAIN_PY_MISSING',
      `found ${displayName(wrongCase)} at the archive root; the entry point must be named exactly "${script}" (lower case)`,
    );
  }
  const nested = files.find((file) => file.name.split('/').pop()?.toLowerCase() === script);
  if (nested) {
    return new ArchiveProblem(
      'MAIN_PY_MISSING',
      `found ${displayName(nested.name)}, but ${script} must be at the archive root (one top-level folder is allowed); zip the folder's contents, not ` +
        `the folder above it`,
    );
  }
  return new ArchiveProblem('MAIN_PY_MISSING', `no ${script} at the archive root (${files.length} files found); the platform runs "python ${script}"`);
}

/**
 * Checks an archive from its central directory alone, without decompressing anything: names,
 * entry types, encryption, counts, declared sizes, compression ratios, overlapping entries,
 * duplicates and the main.py layout. Memory is bounded by `maxEntries`.
 */
export async function inspectArchive(source: ZipSource, limits: ArchiveLimits, archiveBytes: number): Promise<ArchiveInspection> {
  if (archiveBytes === 0) throw new ArchiveProblem('ARCHIVE_INVALID', 'the archive is empty (0 bytes)');
  if (archiveBytes > limits.maxArchiveBytes) {
    throw new ArchiveProblem('ARCHIVE_TOO_LARGE', `the archive is ${mib(archiveBytes)} MiB, over this phase's limit of ${mib(limits.maxArchiveBytes)} MiB`);
  }
  const zip = await openZip(source);
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new ArchiveProblem('ARCHIVE_TOO_LARGE', `the archive has ${zip.entryCount} entries, over the limit of ${limits.maxEntries}`);
    }
    const entries: ArchiveEntry[] = [];
    const seen = new Map<string, string>();
    let uncompressedBytes = 0;
    for await (const raw of centralDirectory(zip)) {
      const entry = classifyEntry(raw, limits);
      const folded = entry.name.replace(/\/$/, '').normalize('NFC').toLowerCase();
      const clash = seen.get(folded);
      if (clash !== undefined) {
        const what = clash === entry.name.replace(/\/$/, '') ? 'appears twice' : `collides with ${displayName(clash)} on case-insensitive file systems`;
        throw new ArchiveProblem('ARCHIVE_INVALID', `entry ${displayName(entry.name)} ${what}`);
      }
      seen.set(folded, entry.name.replace(/\/$/, ''));
      uncompressedBytes += entry.uncompressedSize;
      if (uncompressedBytes > limits.maxUncompressedBytes) {
        throw new ArchiveProblem('ARCHIVE_TOO_LARGE', `the archive expands to more than ${mib(limits.maxUncompressedBytes)} MiB`);
      }
      entries.push(entry);
    }
    const files = entries.filter((entry) => !entry.isDirectory && !entry.ignored);
    if (files.length === 0) throw new ArchiveProblem('ARCHIVE_INVALID', 'the archive contains no files');
    checkFileFolderClashes(entries);
    checkNoOverlap(entries);
    const script = limits.entryScript ?? MAIN_SCRIPT;
    const stripPrefix = strippablePrefix(files, script);
    if (!files.some((file) => file.name === stripPrefix + script)) throw missingMainScript(files, stripPrefix, script);
    return { entries, stripPrefix, fileCount: files.length, uncompressedBytes };
  } finally {
    zip.close();
  }
}

/** The same check as a verdict value, for callers that record rather than throw. */
export async function judgeArchive(source: ZipSource, limits: ArchiveLimits, archiveBytes: number): Promise<ArchiveVerdict> {
  try {
    return { ok: true, inspection: await inspectArchive(source, limits, archiveBytes) };
  } catch (error) {
    if (error instanceof ArchiveProblem) return { ok: false, reason: error.reason, message: error.message };
    throw error;
  }
}

/** A file `a` and an entry `a/b` cannot both be extracted. */
function checkFileFolderClashes(entries: ArchiveEntry[]): void {
  const files = new Set(entries.filter((entry) => !entry.isDirectory).map((entry) => entry.name.toLowerCase()));
  for (const entry of entries) {
    const segments = entry.name.replace(/\/$/, '').split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = segments.slice(0, depth).join('/').toLowerCase();
      if (files.has(parent))
        throw new ArchiveProblem('ARCHIVE_INVALID', `entry ${displayName(entry.name)} lies inside ${displayName(parent)}, which is a file`);
    }
  }
}

/** Entries whose data overlap reuse the same bytes many times: the "overlapping" zip-bomb technique. */
function checkNoOverlap(entries: ArchiveEntry[]): void {
  const byOffset = entries.filter((entry) => !entry.isDirectory).sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const previous = byOffset[i - 1]!;
    const current = byOffset[i]!;
    // 30 bytes of fixed local header plus the name: the least an entry occupies before the next.
    if (previous.localHeaderOffset + 30 + Buffer.byteLength(previous.name) + previous.compressedSize > current.localHeaderOffset) {
      throw new ArchiveProblem('ARCHIVE_INVALID', `entries ${displayName(previous.name)} and ${displayName(current.name)} overlap (a zip-bomb technique)`);
    }
  }
}

const mib = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;
