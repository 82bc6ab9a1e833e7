import type { PhaseRuntime } from '../challenge/definition-schema.ts';
import { dataMountPath } from '../sandbox/run-sandboxed.ts';

// Python's and the shell's ways of saying a path does not exist.
const FILE_NOT_FOUND = /FileNotFoundError|No such file or directory/;

/** Most files a run fails to find are the data, looked for where the competitor's own machine keeps it. */
function dataMountHint(dataMount: string): string {
  return dataMount.startsWith('/')
    ? `this phase's data is mounted read-only at ${dataMountPath(dataMount)}`
    : `this phase's data is mounted read-only at ${dataMount}/ next to main.py, that is ${dataMountPath(dataMount)}`;
}

/** The wording of each competitor-facing failure, in one place so the docs can quote it. */
export const failureMessages = {
  timeout: (runtime: Pick<PhaseRuntime, 'timeLimitSeconds'>) =>
    `Your code ran longer than this phase's time limit of ${runtime.timeLimitSeconds} s and was stopped.`,
  outOfMemory: (runtime: Pick<PhaseRuntime, 'memoryMiB'>) =>
    `Your code needed more than this phase's memory limit of ${runtime.memoryMiB} MiB and was stopped.`,
  /**
   * With `dataMount`, a last line saying a file was not found gets a hint naming where the data is.
   *
   * @example failureMessages.userError(1, "FileNotFoundError: … '../data/x.csv'", '/code_execution/data')
   */
  userError: (exitCode: number | string, lastErrorLine: string | undefined, dataMount?: string) =>
    `main.py exited with ${typeof exitCode === 'number' ? `code ${exitCode}` : exitCode}` +
    (lastErrorLine ? `: ${lastErrorLine}` : '') +
    (lastErrorLine && dataMount && FILE_NOT_FOUND.test(lastErrorLine) ? ` (hint: ${dataMountHint(dataMount)})` : ''),
  /** A crash on hidden data: neither the exit status nor the error text, which the code chose. */
  userErrorOnHiddenData: () =>
    'main.py exited with an error. What a run on hidden data prints is never shown to teams: reproduce the error with a smoke run or `podium test-submission`.',
  noPredictionsFile: (outputFile: string, found: 'missing' | 'not-a-file' | 'too-large' | 'empty', limitBytes?: number) =>
    ({
      missing: `main.py finished but wrote no ${outputFile} next to main.py.`,
      'not-a-file': `${outputFile} is not a regular file (a symbolic link or a folder); write the predictions as a plain file.`,
      'too-large': `${outputFile} is larger than the limit of ${limitBytes} bytes.`,
      empty: `${outputFile} is empty.`,
    })[found],
  scratchDiskFull: (limitMiB: number) => `Your code wrote more than ${limitMiB} MiB to disk and was stopped.`,
  /** The organisers' scoring program failed: all a team reads (the program's output is the organisers'). */
  scoringProgramFailed: () => "The challenge's scoring program failed on this submission; the organisers can see why. It was not counted against your quota.",
};
