import { chmod, copyFile, cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetDefinition, Metric, PhaseDefinition, SubmissionFormat } from '#shared/challenge/definition-schema.ts';
import { runSubmission } from '#shared/pipeline/run-submission.ts';
import type { ScoringProgram } from '#shared/challenge/scoring-program.ts';
import { scorePredictionFiles } from '#shared/scoring/score-prediction-files.ts';
import type { SandboxRequest, SandboxResult } from '#shared/sandbox/run-sandboxed.ts';

/** What a local run needs to know about the phase: the same fields the inference job reads. */
export interface LocalRunPhase {
  challengeId: string;
  phase: Pick<PhaseDefinition, 'id' | 'runtime'>;
  format: SubmissionFormat;
  metric: Metric;
  /** A program metric's program: only a local challenge folder has it (the API never hands it out). */
  scoringProgram?: ScoringProgram;
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
 * Runs one submission archive on a local data folder with the inference job's own `runSubmission`
 * (extraction and archive limits, sandbox and resource limits, predictions check, failure
 * wording), then scores it when the folder has labels. Smoke runs show the whole log.
 */
export async function runSubmissionLocally(
  spec: LocalRunPhase,
  archivePath: string,
  data: { inputsDir: string; labelsPath?: string; dataset?: Pick<DatasetDefinition, 'id' | 'kind' | 'splitColumn'> },
  keepPredictionsAt?: string,
  sandbox?: (request: SandboxRequest) => Promise<SandboxResult>,
): Promise<LocalRunResult> {
  const { phase } = spec;
  const workDir = await mkdtemp(join(tmpdir(), 'podium-test-submission-'));
  // The sandbox runs as another uid and must traverse to the folders it binds.
  await chmod(workDir, 0o711);
  try {
    const inputsDir = join(workDir, 'inputs');
    // A private copy of the inputs, readable by the sandbox uid wherever the download lives.
    await cp(data.inputsDir, inputsDir, { recursive: true, dereference: true });
    await chmod(inputsDir, 0o755);

    // Smoke data is public, so the whole log and the last stderr line are shown.
    const outcome = await runSubmission({ archivePath, inputsDir, workDir, phase, format: spec.format, ...(sandbox ? { sandbox } : {}) });
    const base = outcome.run ? { log: outcome.run.log.text(), durationMs: outcome.run.durationMs, sandbox: outcome.run.mode } : { log: '' };
    if (!outcome.ok) return { status: 'FAILED', failure: { reason: outcome.failure.reason, message: outcome.failure.message }, ...base };
    const outputPath = outcome.predictionsPath;
    if (keepPredictionsAt) await copyFile(outputPath, keepPredictionsAt);

    const result: LocalRunResult = { status: 'PASSED', rows: outcome.rows, ...base };
    if (data.labelsPath && (await stat(data.labelsPath).catch(() => undefined))?.isFile()) {
      const dataset = data.dataset ?? { id: 'local', kind: 'smoke' as const };
      if (spec.metric.kind === 'program' && !spec.scoringProgram) {
        result.scoreSkipped = "this challenge is scored by its organisers' program, which runs on the platform only";
      } else {
        const rules = { format: spec.format, metric: spec.metric, dataset, ...(spec.scoringProgram ? { scoringProgram: spec.scoringProgram } : {}) };
        const scored = await scorePredictionFiles(rules, outputPath, data.labelsPath, { workRoot: workDir }).catch((error: Error) => ({
          ok: false as const,
          message: error.message,
        }));
        if (scored.ok) result.score = { ...scored.scores, rows: scored.rows };
        else result.scoreSkipped = scored.message;
      }
    }
    return result;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
