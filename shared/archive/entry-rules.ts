import type { Entry } from 'yauzl';
import yauzl from 'yauzl';
import type { ArchiveLimits } from './archive-limits.ts';
import { ArchiveProblem, displayName } from './archive-problem.ts';

/** One zip entry as the platform understands it, decided from the central directory alone. */
export interface ArchiveEntry {
  /** Name as stored in the zip. */
  name: string;
  isDirectory: boolean;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
  /** macOS resource forks (`__MACOSX/`, `._*`, `.DS_Store`) are skipped, never extracted. */
  ignored: boolean;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const UNIX_HOST = 3;
const STORED = 0;
const DEFLATED = 8;

// Control characters (C0, DEL, C1) and Unicode bidi overrides make names lie on a terminal.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function isIgnored(name: string): boolean {
  const segments = name.split('/');
  const base = segments[segments.length - 1] || segments[segments.length - 2] || '';
  return segments[0] === '__MACOSX' || base === '.DS_Store' || base.startsWith('._');
}

/** Decodes an entry's name (UTF-8 flag, Info-ZIP Unicode path, else CP437) without rewriting backslashes. */
export function entryName(entry: Entry): string {
  const raw = entry.fileNameRaw ?? (entry.fileName as unknown as Buffer);
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
}

/** Checks the name alone: every way a path can escape or mislead is ARCHIVE_UNSAFE_PATH. */
export function checkEntryName(name: string): void {
  const unsafe = (why: string) => new ArchiveProblem('ARCHIVE_UNSAFE_PATH', `entry ${displayName(name)} ${why}`);
  if (name.length === 0) throw unsafe('has an empty name');
  if (UNSAFE_CHARACTERS.test(name)) throw unsafe('contains control characters');
  if (name.includes('\\')) throw unsafe('contains a backslash; use "/" as the folder separator');
  if (name.startsWith('/')) throw unsafe('is an absolute path');
  if (/^[A-Za-z]:/.test(name)) throw unsafe('starts with a drive letter');
  const segments = name.endsWith('/') ? name.slice(0, -1).split('/') : name.split('/');
  if (segments.includes('..')) throw unsafe('climbs out of the archive with ".."');
  if (segments.some((segment) => segment === '' || segment === '.')) throw unsafe('has an empty or "." path segment');
}

/** Classifies one central-directory entry or throws the ArchiveProblem that rejects the archive. */
export function classifyEntry(entry: Entry, limits: ArchiveLimits): ArchiveEntry {
  const name = entryName(entry);
  checkEntryName(name);
  const madeBy = entry.versionMadeBy >> 8;
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const type = mode & S_IFMT;
  if (madeBy === UNIX_HOST && type === S_IFLNK) {
    throw new ArchiveProblem('ARCHIVE_UNSAFE_PATH', `entry ${displayName(name)} is a symbolic link; archives may contain regular files only`);
  }
  if (madeBy === UNIX_HOST && type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    throw new ArchiveProblem(
      'ARCHIVE_UNSAFE_PATH',
      `entry ${displayName(name)} is a special file (link, device or pipe); archives may contain regular files only`,
    );
  }
  if (entry.isEncrypted()) {
    throw new ArchiveProblem('ARCHIVE_INVALID', `entry ${displayName(name)} is encrypted; upload an archive without a password`);
  }
  const isDirectory = name.endsWith('/') || (madeBy === UNIX_HOST && type === S_IFDIR);
  if (!isDirectory && entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    throw new ArchiveProblem(
      'ARCHIVE_INVALID',
      `entry ${displayName(name)} uses compression method ${entry.compressionMethod}; only "store" and "deflate" are supported`,
    );
  }
  if (isDirectory && entry.uncompressedSize > 0) {
    throw new ArchiveProblem('ARCHIVE_INVALID', `entry ${displayName(name)} is a folder with content`);
  }
  if (entry.uncompressedSize > limits.maxUncompressedBytes) {
    throw new ArchiveProblem(
      'ARCHIVE_TOO_LARGE',
      `entry ${displayName(name)} declares ${entry.uncompressedSize} bytes uncompressed, over the limit of ${limits.maxUncompressedBytes}`,
    );
  }
  if (entry.uncompressedSize >= limits.ratioCheckMinBytes && entry.uncompressedSize > limits.maxCompressionRatio * Math.max(1, entry.compressedSize)) {
    throw new ArchiveProblem(
      'ARCHIVE_TOO_LARGE',
      `entry ${displayName(name)} expands more than ${limits.maxCompressionRatio}:1 (a zip bomb pattern); store such files uncompressed or smaller`,
    );
  }
  return {
    name,
    isDirectory,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    crc32: entry.crc32,
    localHeaderOffset: entry.relativeOffsetOfLocalHeader,
    ignored: isIgnored(name),
  };
}
