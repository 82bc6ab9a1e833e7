import { describe, expect, it } from 'vitest';
import { archiveLimitsFor } from '#shared/archive/archive-limits.ts';
import { sandboxLimitsFor } from '#shared/sandbox/sandbox-limits.ts';

const MiB = 1024 * 1024;
const runtime = { timeLimitSeconds: 600, memoryMiB: 4096, gpus: 0, dataMount: 'data', outputFile: 'submission.csv', inputsGiB: 50 };

describe('limits of a run, from its phase', () => {
  it('takes time and memory from the phase, and scratch from its archive size (2 × the archive, at least 2 GiB)', () => {
    const limits = sandboxLimitsFor({ runtime: { ...runtime, maxArchiveMiB: 1024 } });
    expect(limits.timeLimitSeconds).toBe(600);
    expect(limits.memoryMiB).toBe(4096);
    expect(limits.maxScratchBytes).toBe(2048 * MiB);
    expect(sandboxLimitsFor({ runtime: { ...runtime, maxArchiveMiB: 50 } }).maxScratchBytes).toBe(2048 * MiB);
    expect(sandboxLimitsFor({ runtime: { ...runtime, maxArchiveMiB: 3000 } }).maxScratchBytes).toBe(6000 * MiB);
  });

  it('lets an archive expand beyond the scratch budget, since the extracted code is not scratch', () => {
    for (const maxArchiveMiB of [10, 1024, 20_480]) {
      const phase = { runtime: { ...runtime, maxArchiveMiB } };
      expect(archiveLimitsFor(phase).maxArchiveBytes).toBe(maxArchiveMiB * MiB);
      expect(archiveLimitsFor(phase).maxUncompressedBytes).toBe(Math.max(4 * maxArchiveMiB * MiB, 256 * MiB));
    }
    // The case: a 1 GiB archive may expand to 4 GiB while scratch is 2 GiB; run-sandboxed.test.ts
    // (*does not count the extracted code*) shows such a run passes when its code writes nothing.
    const phase = { runtime: { ...runtime, maxArchiveMiB: 1024 } };
    expect(archiveLimitsFor(phase).maxUncompressedBytes).toBeGreaterThan(sandboxLimitsFor(phase).maxScratchBytes);
  });
});
