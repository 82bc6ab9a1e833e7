import { archiveLimitsFor } from '../archive/archive-limits.ts';
import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import { DEFAULT_SANDBOX_LIMITS } from './run-sandboxed.ts';

const GiB = 1024 ** 3;

/**
 * Disk one inference run's work folder can fill, in GiB: the archive, everything it may extract
 * to, and what the code may write (its scratch budget). Sizes the job's work volume on AWS
 * (infra/stacks/phase-stack.ts). The hidden inputs are not staged per run there: they are read
 * from the instance's mount, whose cache (`runtime.inputsGiB`) is sized once per instance.
 */
export function workDiskGiB(phase: Pick<PhaseDefinition, 'runtime'>): number {
  const archive = archiveLimitsFor(phase);
  const bytes = archive.maxArchiveBytes + archive.maxUncompressedBytes + DEFAULT_SANDBOX_LIMITS.maxScratchBytes;
  return Math.ceil(bytes / GiB);
}
