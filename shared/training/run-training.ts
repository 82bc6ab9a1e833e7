import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveLimitsFor } from '../archive/archive-limits.ts';
import { ArchiveProblem } from '../archive/archive-problem.ts';
import { extractArchive } from '../archive/extract-archive.ts';
import type { PhaseDefinition } from '../challenge/definition-schema.ts';
import { runSandboxed, type SandboxRequest, type SandboxResult } from '../sandbox/run-sandboxed.ts';
import { sandboxLimitsFor } from '../sandbox/sandbox-limits.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import { listTrainingOutputs, type TrainingOutputFile } from './training-outputs.ts';
import { trainingOf, type BudgetReservation } from './training-budget.ts';

export const TRAIN_SCRIPT = 'train.py';
/** The writable folder beside train.py whose files are kept after the job. */
export const OUTPUTS_FOLDER = 'outputs';

/** How a training job ended, as its team reads it. */
export type TrainingEnd = 'SUCCEEDED' | 'FAILED' | 'TIMEOUT' | 'BUDGET_EXHAUSTED' | 'CANCELLED';

export interface TrainingRunRequest {
  archivePath: string;
  /** The training data, staged where the sandbox uid can read it; mounted read-only at the phase's data mount. */
  dataDir: string;
  /** A private folder of this run (mode 0711). */
  workDir: string;
  phase: Pick<PhaseDefinition, 'id' | 'runtime' | 'training'>;
  /** The budget's hold on this job: its run time is at most `runSeconds`. */
  reservation: Pick<BudgetReservation, 'runSeconds' | 'budgetLimited'>;
  sandboxMode?: SandboxMode;
  sandbox?: (request: SandboxRequest) => Promise<SandboxResult>;
  /** A cancel: train.py is stopped at once; the job ends CANCELLED with its outputs so far. */
  signal?: AbortSignal;
  /** Receives the whole log so far, at most every `progressMs` while train.py runs, and never two at once. */
  onLog?: (text: string) => Promise<void>;
  progressMs?: number;
}

export interface TrainingRunOutcome {
  end: TrainingEnd;
  /** Why, in a sentence the team reads (its own code's failure: the training data is theirs to see). */
  message: string;
  /** Real run time of train.py, what the budget is charged for. */
  runSeconds: number;
  /** Kept whatever the end, budget stop included. */
  outputs: TrainingOutputFile[];
  outputsDir: string;
  run?: SandboxResult;
}

/**
 * One training job: the team's archive (train.py at its root) extracted under the phase's archive
 * limits, `python train.py` in the same sandbox as inference (no network, the training data
 * read-only at the phase's data mount) with the training memory and a time limit of the budget's
 * reservation, and what it wrote to `outputs/` listed with sizes and checksums. A run stopped at a
 * limit the budget set ends BUDGET_EXHAUSTED, at the phase's own limit TIMEOUT; both keep their outputs.
 */
export async function runTraining(request: TrainingRunRequest): Promise<TrainingRunOutcome> {
  const { phase, workDir, reservation } = request;
  const training = trainingOf(phase);
  const codeDir = join(workDir, 'code');
  const outputsDir = join(codeDir, OUTPUTS_FOLDER);
  try {
    await extractArchive(request.archivePath, codeDir, { ...archiveLimitsFor(phase), entryScript: TRAIN_SCRIPT });
  } catch (error) {
    if (error instanceof ArchiveProblem) return { end: 'FAILED', message: error.message, runSeconds: 0, outputs: [], outputsDir };
    throw error;
  }
  await mkdir(outputsDir, { recursive: true });
  const onProgress = request.onLog ? throttledLog(request.onLog, request.progressMs ?? 5000) : undefined;
  const run = await (request.sandbox ?? runSandboxed)({
    codeDir,
    dataDir: request.dataDir,
    dataMount: phase.runtime.dataMount,
    tmpDir: join(workDir, 'tmp'),
    script: TRAIN_SCRIPT,
    ...(phase.runtime.python ? { python: phase.runtime.python } : {}),
    gpus: training.gpus,
    ...(request.sandboxMode ? { mode: request.sandboxMode } : {}),
    limits: { ...sandboxLimitsFor(phase), timeLimitSeconds: reservation.runSeconds, memoryMiB: training.memoryMiB },
    ...(request.signal ? { signal: request.signal } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  const { files } = await listTrainingOutputs(outputsDir);
  const runSeconds = run.durationMs / 1000;
  return { ...endOf(run, reservation, training.memoryMiB), runSeconds, outputs: files, outputsDir, run };
}

/** Hands the log on when it grew and `everyMs` passed since the last hand-over finished. */
function throttledLog(onLog: (text: string) => Promise<void>, everyMs: number): (log: SandboxResult['log']) => void {
  let busy = false;
  let last = 0;
  let lastBytes = -1;
  return (log) => {
    if (busy || Date.now() - last < everyMs || log.bytesSeen === lastBytes) return;
    busy = true;
    lastBytes = log.bytesSeen;
    void onLog(log.text())
      .catch(() => {})
      .finally(() => {
        busy = false;
        last = Date.now();
      });
  };
}

function endOf(run: SandboxResult, reservation: TrainingRunRequest['reservation'], memoryMiB: number): { end: TrainingEnd; message: string } {
  switch (run.outcome) {
    case 'timeout':
      return reservation.budgetLimited
        ? { end: 'BUDGET_EXHAUSTED', message: `stopped after ${reservation.runSeconds} s, when the team's training budget ran out; outputs/ is kept` }
        : { end: 'TIMEOUT', message: `stopped at the phase's training time limit of ${reservation.runSeconds} s; outputs/ is kept` };
    case 'stopped':
      return { end: 'CANCELLED', message: 'stopped when the job was cancelled; outputs/ is kept' };
    case 'out-of-memory':
      return { end: 'FAILED', message: `train.py ran out of memory (the limit is ${memoryMiB} MiB)` };
    case 'disk-full':
      return { end: 'FAILED', message: 'train.py wrote more than the scratch disk allows' };
    case 'exited':
      if (run.exitCode === 0) return { end: 'SUCCEEDED', message: 'train.py finished' };
      return {
        end: 'FAILED',
        message: `train.py exited with ${run.exitCode ?? `signal ${run.signal ?? 'unknown'}`}${run.log.lastStderrLine ? `: ${run.log.lastStderrLine}` : ''}`,
      };
  }
}
