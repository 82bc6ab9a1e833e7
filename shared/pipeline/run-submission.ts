import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveLimitsFor } from '../archive/archive-limits.ts';
import { ArchiveProblem } from '../archive/archive-problem.ts';
import { extractArchive } from '../archive/extract-archive.ts';
import type { PhaseDefinition, SubmissionFormat } from '../challenge/definition-schema.ts';
import { runSandboxed, type SandboxRequest, type SandboxResult } from '../sandbox/run-sandboxed.ts';
import { sandboxLimitsFor } from '../sandbox/sandbox-limits.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import { CsvReader, fieldText, recordText } from '../scoring/csv-stream.ts';
import { validatePredictions } from '../scoring/validate-predictions.ts';
import { failureMessages } from './failure-messages.ts';
import { fixedFailure, type RunFailure } from './run-failure.ts';

/** The file of each evaluated dataset's inputs that lists the ids the predictions must cover. */
export const FORMAT_FILE = 'submission_format.csv';
export const DEFAULT_MAX_PREDICTIONS_BYTES = 512 * 1024 * 1024;

export interface SubmissionRunRequest {
  /** The archive, already fetched (and, for the pipeline, pinned to the validated version). */
  archivePath: string;
  /** The inputs, already staged where the sandbox uid can read them. */
  inputsDir: string;
  /** A private folder of this run (mode 0711: the sandbox uid traverses it). */
  workDir: string;
  phase: Pick<PhaseDefinition, 'runtime'>;
  format: SubmissionFormat;
  sandboxMode?: SandboxMode;
  maxPredictionsBytes?: number;
  /** What runs main.py: the platform's sandbox, or `podium test-submission --container`'s runtime image. */
  sandbox?: (request: SandboxRequest) => Promise<SandboxResult>;
  /** Adds files next to main.py after extraction, before the run (a training job's outputs: `submit --with-outputs`). */
  addToCode?: (codeDir: string) => Promise<void>;
}

export type SubmissionRunOutcome =
  { ok: true; predictionsPath: string; rows: number; run: SandboxResult } | { ok: false; failure: RunFailure; run?: SandboxResult };

/**
 * One submission on one set of inputs, exactly as the platform runs it: safe extraction under the
 * phase's archive limits, `python main.py` in the sandbox with the phase's runtime, the output file
 * checked, and the predictions validated against the format and the inputs' ids. The inference job
 * and `podium test-submission` both call this, so a local test is the platform's run.
 */
export async function runSubmission(request: SubmissionRunRequest): Promise<SubmissionRunOutcome> {
  const { phase, workDir } = request;
  const codeDir = join(workDir, 'code');
  try {
    await extractArchive(request.archivePath, codeDir, archiveLimitsFor(phase));
    await request.addToCode?.(codeDir);
  } catch (error) {
    // The team's own archive (or outputs), before any code ran: its entry names are safe to quote.
    if (error instanceof ArchiveProblem) return { ok: false, failure: fixedFailure(error.reason, error.message) };
    throw error;
  }
  const run = await (request.sandbox ?? runSandboxed)({
    codeDir,
    dataDir: request.inputsDir,
    dataMount: phase.runtime.dataMount,
    tmpDir: join(workDir, 'tmp'),
    ...(phase.runtime.python ? { python: phase.runtime.python } : {}),
    gpus: phase.runtime.gpus,
    ...(request.sandboxMode ? { mode: request.sandboxMode } : {}),
    limits: sandboxLimitsFor(phase),
  });
  const runFailure = failureOfRun(run, phase);
  if (runFailure) return { ok: false, failure: runFailure, run };

  const predictionsPath = join(codeDir, phase.runtime.outputFile);
  const maxBytes = request.maxPredictionsBytes ?? DEFAULT_MAX_PREDICTIONS_BYTES;
  const problem = await outputFileProblem(predictionsPath, maxBytes);
  if (problem) {
    return { ok: false, failure: fixedFailure('NO_PREDICTIONS_FILE', failureMessages.noPredictionsFile(phase.runtime.outputFile, problem, maxBytes)), run };
  }
  const expectedIds = await readExpectedIds(join(request.inputsDir, FORMAT_FILE), request.format);
  // The full wording names a few missing ids (smoke runs and local tests show it; organisers read it
  // as `detail`); the summary a team reads after hidden data never does.
  const validation = await validatePredictions(createReadStream(predictionsPath), request.format, expectedIds, { nameMissingIds: 3 });
  if (!validation.ok) {
    const withHint = (text: string) => (validation.hint ? `${text} (hint: ${validation.hint})` : text);
    return { ok: false, failure: { reason: 'PREDICTIONS_INVALID', message: withHint(validation.message), summary: withHint(validation.summary) }, run };
  }
  return { ok: true, predictionsPath, rows: validation.rows, run };
}

/** The competitor-facing failure of a finished sandbox run, if it failed. */
function failureOfRun(run: SandboxResult, phase: Pick<PhaseDefinition, 'runtime'>): RunFailure | undefined {
  switch (run.outcome) {
    case 'timeout':
      return fixedFailure('TIMEOUT', failureMessages.timeout(phase.runtime));
    case 'out-of-memory':
      return fixedFailure('OUT_OF_MEMORY', failureMessages.outOfMemory(phase.runtime));
    case 'disk-full':
      return fixedFailure('USER_ERROR', failureMessages.scratchDiskFull(Math.round(sandboxLimitsFor(phase).maxScratchBytes / 1024 / 1024)));
    case 'stopped':
      // Only a training run is stopped from outside (its cancel); an inference run has no signal to abort it.
      throw new Error('an inference run was stopped from outside its limits');
    case 'exited': {
      if (run.exitCode === 0) return undefined;
      const status = run.exitCode !== null ? run.exitCode : `signal ${run.signal ?? 'unknown'}`;
      return {
        reason: 'USER_ERROR',
        message: failureMessages.userError(status, run.log.lastStderrLine, phase.runtime.dataMount),
        summary: failureMessages.userErrorOnHiddenData(),
      };
    }
  }
}

async function outputFileProblem(path: string, maxBytes: number): Promise<'missing' | 'not-a-file' | 'too-large' | 'empty' | undefined> {
  try {
    const stat = await lstat(path);
    if (!stat.isFile()) return 'not-a-file';
    if (stat.size > maxBytes) return 'too-large';
    if (stat.size === 0) return 'empty';
    return undefined;
  } catch {
    return 'missing';
  }
}

/**
 * The ids the predictions must list: the id column of the inputs' submission_format.csv (organiser
 * data), read with the scorer's CSV reader so quoted ids and a byte order mark read as the scorer sees them.
 */
export async function readExpectedIds(path: string, format: SubmissionFormat): Promise<string[]> {
  const reader = new CsvReader(createReadStream(path));
  const ids: string[] = [];
  let column = -1;
  for (let batch = await reader.next(); batch; batch = await reader.next()) {
    let record = 0;
    if (column < 0) {
      column = recordText(batch, 0).indexOf(format.idColumn);
      if (column < 0) break;
      record = 1;
    }
    for (; record < batch.count; record++) {
      const field = batch.recordFields[record]! + column;
      if (field < batch.recordFields[record + 1]!) ids.push(fieldText(batch, field));
    }
  }
  if (column < 0) throw new Error(`${FORMAT_FILE} has no "${format.idColumn}" column`);
  return ids;
}
