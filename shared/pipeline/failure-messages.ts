import type { PhaseRuntime } from '../challenge/definition-schema.ts';

/** The wording of each competitor-facing failure, in one place so the docs can quote it. */
export const failureMessages = {
  timeout: (runtime: Pick<PhaseRuntime, 'timeLimitSeconds'>) =>
    `Your code ran longer than this phase's time limit of ${runtime.timeLimitSeconds} s and was stopped.`,
  outOfMemory: (runtime: Pick<PhaseRuntime, 'memoryMiB'>) =>
    `Your code needed more than this phase's memory limit of ${runtime.memoryMiB} MiB and was stopped.`,
  userError: (exitCode: number | string, lastErrorLine: string | undefined) =>
    `main.py exited with ${typeof exitCode === 'number' ? `code ${exitCode}` : exitCode}` + (lastErrorLine ? `: ${lastErrorLine}` : ' (logs are not shown for this phase)'),
  noPredictionsFile: (outputFile: string, found: 'missing' | 'not-a-file' | 'too-large' | 'empty', limitBytes?: number) =>
    ({
      missing: `main.py finished but wrote no ${outputFile} next to main.py.`,
      'not-a-file': `${outputFile} is not a regular file (a symbolic link or a folder); write the predictions as a plain file.`,
      'too-large': `${outputFile} is larger than the limit of ${limitBytes} bytes.`,
      empty: `${outputFile} is empty.`,
    })[found],
  scratchDiskFull: (limitMiB: number) => `Your code wrote more than ${limitMiB} MiB to disk and was stopped.`,
};
