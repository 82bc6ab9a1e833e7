import { archiveLimitsFor } from '../archive/archive-limits.ts';
import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from './run-sandboxed.ts';

/**
 * A run's sandbox limits, from its phase: time and memory as the phase says, and a scratch budget
 * that agrees with the archive limits. The disk one run may fill is then known from the phase
 * alone (docs/ARCHITECTURE.md, "Limits of a run"):
 * - the archive: `maxArchiveMiB`;
 * - the extracted code: at most `archiveLimitsFor(phase).maxUncompressedBytes` (4 × the archive,
 *   at least 256 MiB), checked during extraction and never counted as scratch;
 * - what the code writes (code folder and /tmp, the extracted code excluded): 2 × the archive,
 *   at least 2 GiB.
 *
 * @example sandboxLimitsFor({ runtime: { ...runtime, maxArchiveMiB: 1024 } }).maxScratchBytes // 2 GiB
 */
export function sandboxLimitsFor(phase: Pick<PhaseDefinition, 'runtime'>): SandboxLimits {
  const { maxArchiveBytes } = archiveLimitsFor(phase);
  return {
    ...DEFAULT_SANDBOX_LIMITS,
    timeLimitSeconds: phase.runtime.timeLimitSeconds,
    memoryMiB: phase.runtime.memoryMiB,
    maxScratchBytes: Math.max(DEFAULT_SANDBOX_LIMITS.maxScratchBytes, 2 * maxArchiveBytes),
  };
}
