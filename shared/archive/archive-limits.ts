import type { PhaseDefinition } from '../challenge/definition-schema.ts';

/**
 * What an archive may hold. The phase sets the archive size; the rest guards against bombs.
 * The scratch budget of the run that follows derives from the same size (sandbox-limits.ts).
 */
export interface ArchiveLimits {
  maxArchiveBytes: number;
  maxEntries: number;
  /** Sum of the entries' uncompressed sizes, declared and actual: 4 × the archive, at least 256 MiB. */
  maxUncompressedBytes: number;
  /** Uncompressed/compressed ratio above which a large entry is treated as a bomb. */
  maxCompressionRatio: number;
  /** Entries smaller than this are exempt from the ratio check (small text files compress well). */
  ratioCheckMinBytes: number;
  /** The script that must sit at the archive root: `main.py` (default) for submissions, `train.py` for training jobs. */
  entryScript?: string;
}

const MiB = 1024 * 1024;

export function archiveLimitsFor(phase: Pick<PhaseDefinition, 'runtime'>): ArchiveLimits {
  const maxArchiveBytes = phase.runtime.maxArchiveMiB * MiB;
  return {
    maxArchiveBytes,
    maxEntries: 10_000,
    maxUncompressedBytes: Math.max(4 * maxArchiveBytes, 256 * MiB),
    maxCompressionRatio: 1000,
    ratioCheckMinBytes: 8 * MiB,
  };
}
