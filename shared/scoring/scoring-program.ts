import { chmod, copyFile, lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import type { ProgramMetric, SecondaryMetric, SubmissionFormat } from '../challenge/definition-schema.ts';
import type { ScoringProgram } from '../challenge/scoring-program.ts';
import { PodiumError } from '../errors.ts';
import { DEFAULT_SANDBOX_LIMITS, runSandboxed, type SandboxLimits, type SandboxResult } from '../sandbox/run-sandboxed.ts';
import type { SandboxMode } from '../sandbox/sandbox-mode.ts';
import { writeCanonicalPredictions } from './canonical-predictions.ts';
import type { SplitScore } from './score-predictions.ts';

/**
 * The interface of an organiser's scoring program (docs/ARCHITECTURE.md, "Scoring programs"):
 *
 *   python3 <program> input/labels.csv input/predictions.csv scores.json
 *
 * run in a fresh folder holding only the program, with the two inputs read-only beside it. The
 * labels file is the dataset's labels.csv as uploaded (with its split column, if any); the
 * predictions file is the submission's validated predictions in one plain shape
 * (canonical-predictions.ts). The program writes a JSON object to scores.json, one entry per
 * named score: `{ "<name>": { "overall": x, "public": y, "private": z } }` (public and private
 * when the dataset has a split column). What it prints goes to a bounded log, read by organisers
 * in failures only.
 */
export const PROGRAM_INPUT_DIR = 'input';
export const PROGRAM_LABELS = `${PROGRAM_INPUT_DIR}/labels.csv`;
export const PROGRAM_PREDICTIONS = `${PROGRAM_INPUT_DIR}/predictions.csv`;
export const PROGRAM_SCORES = 'scores.json';

/** Largest scores.json read back. */
const MAX_SCORES_BYTES = 1024 * 1024;
/** Lines of the program's log quoted in a failure's detail. */
const LOG_LINES_IN_DETAIL = 20;

/** What a program run gets beyond its time and memory: few processes, small files and disk, a short log. */
const PROGRAM_LIMITS: Omit<SandboxLimits, 'timeLimitSeconds' | 'memoryMiB'> = {
  ...DEFAULT_SANDBOX_LIMITS,
  maxProcesses: 64,
  maxFileBytes: 64 * 1024 * 1024,
  maxScratchBytes: 256 * 1024 * 1024,
  log: { maxBytes: 64 * 1024, headBytes: 16 * 1024, maxLineChars: 1000 },
};

/**
 * An organiser's scoring program failed or wrote unusable scores. The organiser's to fix, never
 * the team's: a scored submission ends PLATFORM_ERROR (not charged) with `message` as the
 * organiser-only detail; `log` is the tail of what the program printed.
 */
export class ScoringProgramError extends PodiumError {
  constructor(
    readonly problem: string,
    readonly log: string,
  ) {
    super('SCORING_PROGRAM_FAILED', `the scoring program ${problem}${log ? `\n--- program output (last lines) ---\n${log}` : ''}`, { problem });
    this.name = 'ScoringProgramError';
  }
}

export interface ProgramRunRequest {
  program: ScoringProgram;
  metric: ProgramMetric;
  /** The challenge's secondary metrics: the program must print those of kind `program`. */
  secondaryMetrics?: readonly SecondaryMetric[];
  format: SubmissionFormat;
  /** Whether the labels carry a public/private split: each score then needs `public` and `private`. */
  split: boolean;
  labelsPath: string;
  /** Predictions that passed validation against these labels. */
  predictionsPath: string;
  /** Where the run's fresh folder is made (and removed afterwards). */
  workRoot: string;
  /** The sandbox mode (tests); default as competitor code: bwrap, or the AWS container's uid boundary. */
  mode?: SandboxMode;
  python?: string;
}

/** The names the program must print: the primary score, then the secondary scores of kind `program`. */
export function programScoreNames(metric: ProgramMetric, secondaryMetrics: readonly SecondaryMetric[] = []): string[] {
  return [metric.score, ...secondaryMetrics.filter((metric) => metric.kind === 'program').map((metric) => metric.name)];
}

/**
 * Runs the program on one submission's labels and predictions, sandboxed like competitor code
 * (no network, read-only inputs, a throw-away uid, limits on time, memory, processes, disk and
 * output), and returns the scores it printed. Stages just those two files into a fresh folder, so
 * the program sees nothing else. Throws ScoringProgramError for anything the program got wrong:
 * non-zero exit, time or memory limit, no or malformed scores.json, a missing name or split, a
 * score that is not a finite number.
 */
export async function runScoringProgram(request: ProgramRunRequest): Promise<Record<string, SplitScore>> {
  await mkdir(request.workRoot, { recursive: true });
  const runDir = await mkdtemp(join(request.workRoot, 'podium-scoring-program-'));
  try {
    // The sandbox runs as another uid and must traverse to the folders it binds.
    await chmod(runDir, 0o711);
    const codeDir = join(runDir, 'program');
    const inputDir = join(runDir, 'input');
    const tmpDir = join(runDir, 'tmp');
    await mkdir(codeDir, { mode: 0o755 });
    await mkdir(inputDir, { mode: 0o755 });
    const script = basename(request.program.path);
    await writeFile(join(codeDir, script), request.program.source, { mode: 0o644 });
    await copyFile(request.labelsPath, join(inputDir, 'labels.csv'));
    await chmod(join(inputDir, 'labels.csv'), 0o644);
    await writeCanonicalPredictions(createReadStream(request.predictionsPath), request.format, join(inputDir, 'predictions.csv'));

    const run = await runSandboxed({
      codeDir,
      dataDir: inputDir,
      dataMount: PROGRAM_INPUT_DIR,
      tmpDir,
      script,
      args: [PROGRAM_LABELS, PROGRAM_PREDICTIONS, PROGRAM_SCORES],
      limits: { ...PROGRAM_LIMITS, timeLimitSeconds: request.metric.timeLimitSeconds, memoryMiB: request.metric.memoryMiB },
      ...(request.mode ? { mode: request.mode } : {}),
      ...(request.python ? { python: request.python } : {}),
    });
    const log = logTail(run);
    const failed = runProblem(run, request.metric);
    if (failed) throw new ScoringProgramError(failed, log);
    const printed = await readScores(join(codeDir, PROGRAM_SCORES), log);
    return checkScores(printed, programScoreNames(request.metric, request.secondaryMetrics), request.split, log);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

function logTail(run: SandboxResult): string {
  return run.log.text().trimEnd().split('\n').slice(-LOG_LINES_IN_DETAIL).join('\n');
}

function runProblem(run: SandboxResult, metric: ProgramMetric): string | undefined {
  if (run.outcome === 'timeout') return `ran longer than its limit of ${metric.timeLimitSeconds} s (metric.timeLimitSeconds) and was stopped`;
  if (run.outcome === 'out-of-memory') return `needed more than its memory limit of ${metric.memoryMiB} MiB (metric.memoryMiB) and was stopped`;
  if (run.outcome === 'disk-full') return `wrote more than ${PROGRAM_LIMITS.maxScratchBytes / 1024 / 1024} MiB to disk and was stopped`;
  if (run.exitCode !== 0) {
    const status = run.exitCode === null ? `signal ${run.signal}` : `code ${run.exitCode}`;
    return `exited with ${status}${run.log.lastStderrLine ? `: ${run.log.lastStderrLine}` : ''}`;
  }
  return undefined;
}

async function readScores(path: string, log: string): Promise<unknown> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) throw new ScoringProgramError(`wrote no ${PROGRAM_SCORES} (it must write its scores there, as JSON: the third argument)`, log);
  if (!info.isFile()) throw new ScoringProgramError(`wrote ${PROGRAM_SCORES} as something other than a regular file (a link or a folder)`, log);
  if (info.size > MAX_SCORES_BYTES) {
    throw new ScoringProgramError(`wrote a ${PROGRAM_SCORES} of ${info.size} bytes, over the limit of ${MAX_SCORES_BYTES}`, log);
  }
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    const hint = /\b(NaN|-?Infinity)\b/.test(text) ? ' (NaN and Infinity are not JSON numbers: every score must be a finite number)' : '';
    throw new ScoringProgramError(`wrote a ${PROGRAM_SCORES} that is not valid JSON: ${(error as Error).message}${hint}`, log);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Each expected name with a finite `overall`, and finite `public` and `private` where the labels are split; other names are ignored. */
function checkScores(printed: unknown, names: string[], split: boolean, log: string): Record<string, SplitScore> {
  if (!isObject(printed)) throw new ScoringProgramError(`wrote a ${PROGRAM_SCORES} that is not a JSON object of named scores`, log);
  const problems: string[] = [];
  const scores: Record<string, SplitScore> = {};
  for (const name of names) {
    const entry = printed[name];
    if (!isObject(entry)) {
      problems.push(entry === undefined ? `no score "${name}"` : `score "${name}" is not an object of splits`);
      continue;
    }
    const splits = split ? (['overall', 'public', 'private'] as const) : (['overall'] as const);
    const values: Partial<SplitScore> = {};
    for (const each of splits) {
      const value = entry[each];
      if (typeof value === 'number' && Number.isFinite(value)) values[each] = value;
      else problems.push(value === undefined ? `score "${name}" has no "${each}"` : `score "${name}".${each} is ${JSON.stringify(value)}, not a finite number`);
    }
    if (values.overall !== undefined) scores[name] = values as SplitScore;
  }
  if (problems.length > 0) throw new ScoringProgramError(`wrote unusable scores in ${PROGRAM_SCORES}: ${problems.join('; ')}`, log);
  return scores;
}
