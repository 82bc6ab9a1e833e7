import { createReadStream } from 'node:fs';
import { chmod, copyFile, cp, lstat, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetDefinition, Metric, PhaseDefinition, SubmissionFormat } from '#shared/challenge/definition-schema.ts';
import { archiveLimitsFor } from '#shared/archive/archive-limits.ts';
import { ArchiveProblem } from '#shared/archive/archive-problem.ts';
import { extractArchive } from '#shared/archive/extract-archive.ts';
import { failureMessages } from '#shared/pipeline/failure-messages.ts';
import { DEFAULT_SANDBOX_LIMITS, runSandboxed } from '#shared/sandbox/run-sandboxed.ts';
import { scorePredictions } from '#shared/scoring/score-predictions.ts';
import { validatePredictions } from '#shared/scoring/validate-predictions.ts';
import { smokeIdsFromFormatFile } from './predictions-file.ts';

/** The inference job's default cap on the predictions file (run-inference-job.ts). */
const MAX_PREDICTIONS_BYTES = 512 * 1024 * 1024;

/** What a local run needs to know about the phase: the same fields the inference job reads. */
export interface LocalRunPhase {
  challengeId: string;
  phase: Pick<PhaseDefinition, 'id' | 'runtime'>;
  format: SubmissionFormat;
  metric: Metric;
}

export interface LocalRunResult {
  status: 'PASSED' | 'FAILED';
  failure?: { reason: string; message: string };
  rows?: number;
  /** Score of the predictions against the folder's labels.csv, when it has one. */
  score?: { overall: number; public?: number; private?: number; rows: number };
  scoreSkipped?: string;
  log: string;
  durationMs?: number;
  sandbox?: string;
}

/**
 * Runs one submission archive on a local data folder the way the inference job does: the same
 * safe extraction and archive limits, the same sandbox and resource limits, the same predictions
 * check, and the same failure wording. Smoke runs show the whole log.
 */
export async function runSubmissionLocally(
  spec: LocalRunPhase,
  archivePath: string,
  data: { inputsDir: string; labelsPath?: string; dataset?: DatasetDefinition },
  keepPredictionsAt?: string,
): Promise<LocalRunResult> {
  const phase = spec.phase as PhaseDefinition;
  const workDir = await mkdtemp(join(tmpdir(), 'podium-test-submission-'));
  // The sandbox runs as another uid and must traverse to the folders it binds.
  await chmod(workDir, 0o711);
  try {
    const codeDir = join(workDir, 'code');
    const inputsDir = join(workDir, 'inputs');
    try {
      await extractArchive(archivePath, codeDir, archiveLimitsFor(phase));
    } catch (error) {
      if (error instanceof ArchiveProblem) return { status: 'FAILED', failure: { reason: error.reason, message: error.message }, log: '' };
      throw error;
    }
    // A private copy of the inputs, readable by the sandbox uid wherever the download lives.
    await cp(data.inputsDir, inputsDir, { recursive: true, dereference: true });
    await chmod(inputsDir, 0o755);

    const run = await runSandboxed({
      codeDir,
      dataDir: inputsDir,
      dataMount: phase.runtime.dataMount,
      tmpDir: join(workDir, 'tmp'),
      ...(phase.runtime.python ? { python: phase.runtime.python } : {}),
      limits: { ...DEFAULT_SANDBOX_LIMITS, timeLimitSeconds: phase.runtime.timeLimitSeconds, memoryMiB: phase.runtime.memoryMiB },
    });
    const base = { log: run.log.text(), durationMs: run.durationMs, sandbox: run.mode };
    const failed = (reason: string, message: string): LocalRunResult => ({ status: 'FAILED', failure: { reason, message }, ...base });
    if (run.outcome === 'timeout') return failed('TIMEOUT', failureMessages.timeout(phase.runtime));
    if (run.outcome === 'out-of-memory') return failed('OUT_OF_MEMORY', failureMessages.outOfMemory(phase.runtime));
    if (run.outcome === 'disk-full') return failed('USER_ERROR', failureMessages.scratchDiskFull(Math.round(DEFAULT_SANDBOX_LIMITS.maxScratchBytes / 1024 / 1024)));
    if (run.exitCode !== 0) return failed('USER_ERROR', failureMessages.userError(run.exitCode ?? `signal ${run.signal ?? 'unknown'}`, run.log.lastStderrLine, phase.runtime.dataMount));

    const outputPath = join(codeDir, phase.runtime.outputFile);
    const output = await lstat(outputPath).catch(() => undefined);
    const problem = !output ? 'missing' : !output.isFile() ? 'not-a-file' : output.size > MAX_PREDICTIONS_BYTES ? 'too-large' : output.size === 0 ? 'empty' : undefined;
    if (problem) return failed('NO_PREDICTIONS_FILE', failureMessages.noPredictionsFile(phase.runtime.outputFile, problem, MAX_PREDICTIONS_BYTES));

    const expectedIds = await smokeIdsFromFormatFile(spec.format, join(inputsDir, 'submission_format.csv'));
    const validation = await validatePredictions(createReadStream(outputPath), spec.format, expectedIds);
    if (!validation.ok) return failed('PREDICTIONS_INVALID', validation.hint ? `${validation.message} (hint: ${validation.hint})` : validation.message);
    if (keepPredictionsAt) await copyFile(outputPath, keepPredictionsAt);

    const result: LocalRunResult = { status: 'PASSED', rows: validation.rows, ...base };
    if (data.labelsPath && (await stat(data.labelsPath).catch(() => undefined))?.isFile()) {
      const dataset = data.dataset ?? { id: 'local', kind: 'smoke' as const };
      const scored = await scorePredictions({ format: spec.format, metric: spec.metric, dataset }, createReadStream(outputPath), createReadStream(data.labelsPath)).catch(
        (error: Error) => ({ ok: false as const, message: error.message }),
      );
      if (scored.ok) result.score = { ...scored.scores, rows: scored.rows };
      else result.scoreSkipped = scored.message;
    }
    return result;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
