import * as z from 'zod';
import type { SandboxResult } from '../sandbox/run-sandboxed.ts';

/**
 * What one run of a team's code used, as the team sees it: run time, peak memory and GPU-seconds.
 * These depend on the hidden data the code read, so they leave the launcher only rounded (whole
 * seconds, whole MiB): a run reports a few coarse numbers, never a fine-grained timing channel
 * (docs/THREAT-MODEL.md, residual risk).
 */
export const runUsageSchema = z
  .object({
    /** Wall-clock time of the sandboxed run, rounded to whole seconds (a multiple of 1000). */
    durationMs: z.number().int().nonnegative(),
    /** The most memory every process and RAM disk of the run held at once, rounded up to whole MiB. */
    peakMemoryMiB: z.number().int().nonnegative(),
    /** Whole seconds of run time × GPUs granted (0 without GPUs). */
    gpuSeconds: z.number().int().nonnegative(),
  })
  .strict();

export type RunUsage = z.infer<typeof runUsageSchema>;

const MIB = 1024 * 1024;

/** The rounded usage of a finished sandbox run. */
export function runUsageOf(run: Pick<SandboxResult, 'durationMs' | 'peakMemoryBytes' | 'gpus'>): RunUsage {
  const seconds = Math.round(run.durationMs / 1000);
  return { durationMs: seconds * 1000, peakMemoryMiB: Math.ceil(run.peakMemoryBytes / MIB), gpuSeconds: seconds * run.gpus };
}

/** "12 s, 340 MiB peak, 24 GPU-s", for people. */
export function describeRunUsage(usage: RunUsage): string {
  const parts = [`${usage.durationMs / 1000} s`, `${usage.peakMemoryMiB} MiB peak`];
  if (usage.gpuSeconds > 0) parts.push(`${usage.gpuSeconds} GPU-s`);
  return parts.join(', ');
}
