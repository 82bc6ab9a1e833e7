import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramMetric, SecondaryMetric } from '#shared/challenge/definition-schema.ts';
import { findDataset, loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import { scoringProgramFrom } from '#shared/challenge/scoring-program.ts';
import { scorePredictionFiles, type FileScoringRules } from '#shared/scoring/score-prediction-files.ts';
import { ScoringProgramError } from '#shared/scoring/scoring-program.ts';

/**
 * Organisers' scoring programs (shared/scoring/scoring-program.ts): VisioMel's weighted log loss
 * against scikit-learn itself, the sandbox the program runs in, and every way its output can be
 * unusable, each ending in a ScoringProgramError naming the problem.
 */
const PYTHON = '/usr/bin/python3';
const REFERENCE = fileURLToPath(new URL('./visiomel-sklearn-reference.py', import.meta.url));

let visiomel: Challenge;
let workRoot: string;

/** A fresh folder the sandbox uid can traverse to (as the scoring job's staging folder is). */
async function freshDir(parent: string, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(parent, prefix));
  await chmod(dir, 0o711);
  return dir;
}

beforeAll(async () => {
  visiomel = await loadChallenge('examples/visiomel');
  workRoot = await freshDir(tmpdir(), 'podium-scoring-program-test-');
});
afterAll(() => rm(workRoot, { recursive: true, force: true }));

interface VisiomelCase {
  name: string;
  truth: number[];
  predicted: number[];
  split: ('public' | 'private')[];
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing case can be replayed. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function visiomelCases(): VisiomelCase[] {
  const cases: VisiomelCase[] = [];
  for (let seed = 1; seed <= 6; seed++) {
    const random = seeded(seed);
    const rows = [3, 40, 500][seed % 3]!;
    const prevalence = [0.05, 0.2, 0.5][seed % 3]!;
    const truth = Array.from({ length: rows }, () => (random() < prevalence ? 1 : 0));
    truth[0] = 1; // at least one relapse
    const extremes = [0, 1, 1e-20, 1 - 1e-17, 0.5];
    const predicted = truth.map(() => (random() < 0.1 ? extremes[Math.floor(random() * extremes.length)]! : random()));
    const split = truth.map((_, i): 'public' | 'private' => (i % 3 === 0 ? 'public' : 'private'));
    cases.push({ name: `random ${seed}: ${rows} rows, prevalence ${prevalence}`, truth, predicted, split });
  }
  // Confident misses at exactly 0 and 1, and a public split holding one class only.
  cases.push({
    name: 'exact 0 and 1, one-class public split',
    truth: [0, 0, 1, 1, 0, 1],
    predicted: [0, 1, 0, 1, 0.25, 0.75],
    split: ['public', 'public', 'private', 'private', 'public', 'private'],
  });
  return cases;
}

function sklearnScores(cases: VisiomelCase[]): Record<string, Record<string, number>>[] {
  const run = spawnSync(PYTHON, [REFERENCE], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`${REFERENCE} failed (is python3-sklearn installed? scripts/setup-system.sh installs it):\n${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, Record<string, number>>[];
}

/** Writes labels (with VisioMel's `usage` split) and predictions for one case; returns their paths. */
async function writeCase(dir: string, visiomelCase: Pick<VisiomelCase, 'truth' | 'predicted' | 'split'>): Promise<{ labels: string; predictions: string }> {
  const ids = visiomelCase.truth.map((_, i) => `case_${String(i).padStart(4, '0')}.tif`);
  const labels = join(dir, 'labels.csv');
  const predictions = join(dir, 'predictions.csv');
  await writeFile(labels, ['filename,relapse,usage', ...ids.map((id, i) => `${id},${visiomelCase.truth[i]},${visiomelCase.split[i]}`)].join('\n') + '\n');
  // Written the way teams write them: CRLF, a byte order mark, columns reordered, numbers in any notation.
  await writeFile(predictions, '\ufeffrelapse,filename\r\n' + ids.map((id, i) => `${visiomelCase.predicted[i]},${id}`).join('\r\n') + '\r\n');
  return { labels, predictions };
}

const expectClose = (actual: number | undefined, expected: number) => {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
};

describe("VisioMel's weighted log loss program", () => {
  it('returns what scikit-learn returns (log_loss with balanced sample weights, eps 1e-16), overall and per split, to 1e-12', async () => {
    const cases = visiomelCases();
    const reference = sklearnScores(cases);
    const test = findDataset(visiomel, 'test')!;
    const { submissionFormat: format, metric, secondaryMetrics, scoringProgram } = visiomel;
    const rules: FileScoringRules = { format, metric, secondaryMetrics, dataset: test, scoringProgram: scoringProgram! };
    for (const [index, visiomelCase] of cases.entries()) {
      const dir = await freshDir(workRoot, 'case-');
      const files = await writeCase(dir, visiomelCase);
      const outcome = await scorePredictionFiles(rules, files.predictions, files.labels, { workRoot });
      if (!outcome.ok) throw new Error(`${visiomelCase.name}: ${outcome.message}`);
      const expected = reference[index]!;
      for (const split of ['overall', 'public', 'private'] as const) {
        expectClose(outcome.scores[split], expected['weighted-log-loss']![split]!);
        expectClose(outcome.scores.secondary?.['log-loss']?.[split], expected['log-loss']![split]!);
      }
    }
  });

  it('is recorded by its digest: the SHA-256 of score.py', () => {
    const digest = spawnSync('sha256sum', ['examples/visiomel/score.py'], { encoding: 'utf8' }).stdout.split(' ')[0];
    expect(visiomel.scoringProgram).toMatchObject({ path: 'score.py', sha256: digest });
  });
});

/** Rules for a test program printing the primary score `main` and, as secondary scores, `extra`. */
function rulesFor(source: string, options: { extra?: string[]; metric?: Partial<ProgramMetric>; split?: boolean } = {}): FileScoringRules {
  const secondaryMetrics: SecondaryMetric[] = (options.extra ?? []).map((name) => ({ kind: 'program', name, higherIsBetter: true }));
  return {
    format: visiomel.submissionFormat,
    metric: { kind: 'program', path: 'score.py', score: 'main', higherIsBetter: false, timeLimitSeconds: 20, memoryMiB: 512, ...options.metric },
    secondaryMetrics,
    dataset: { id: 'test', ...(options.split === false ? {} : { splitColumn: 'usage' }) },
    scoringProgram: scoringProgramFrom('score.py', Buffer.from(source)),
  };
}

const SMALL_CASE = { truth: [0, 1, 0, 1], predicted: [0.2, 0.8, 0.4, 0.6], split: ['public', 'public', 'private', 'private'] as ('public' | 'private')[] };

async function runProgram(rules: FileScoringRules) {
  const dir = await freshDir(workRoot, 'run-');
  const files = await writeCase(dir, SMALL_CASE);
  return { files, outcome: scorePredictionFiles(rules, files.predictions, files.labels, { workRoot: dir }) };
}

const WRITE_SCORES = (value: string) => `
import json, sys
v = ${value}
json.dump({"main": {"overall": v, "public": v, "private": v}}, open(sys.argv[3], "w"))
`;

const WRITE_OVERALL_ONLY = 'import json, sys; json.dump({"main": {"overall": 1}}, open(sys.argv[3], "w"))';

describe('the program sandbox', () => {
  let loopback: Server;
  let port: number;
  beforeAll(async () => {
    // A server on the host's loopback: reachable from the host, never from the program.
    loopback = createServer((socket) => socket.end('hello'));
    await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
    port = (loopback.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => loopback.close(() => resolve())));

  it('has no network, sees only its two inputs (read-only), and nothing of the host beside them', async () => {
    const dir = await freshDir(workRoot, 'probe-');
    const secret = join(dir, 'other-submission-labels.csv');
    await writeFile(secret, 'filename,relapse\nsecret.tif,1\n');
    const probe = `
import json, os, socket, sys
def works(action):
    try:
        action()
        return 1
    except Exception:
        return 0
probes = {
    "loopback": works(lambda: socket.create_connection(("127.0.0.1", ${port}), timeout=2).recv(5)),
    "internet": works(lambda: socket.create_connection(("1.1.1.1", 53), timeout=2)),
    "dns": works(lambda: socket.getaddrinfo("example.org", 443)),
    "host-secret": works(lambda: open(${JSON.stringify(secret)}).read()),
    "host-labels": works(lambda: open(${JSON.stringify(join(dir, 'labels.csv'))}).read()),
    "write-labels": works(lambda: open(sys.argv[1], "a").write("x")),
    "read-labels": works(lambda: open(sys.argv[1]).read()),
    "read-predictions": works(lambda: open(sys.argv[2]).read()),
    "inputs": len(os.listdir("input")),
}
probes["main"] = 0.5
json.dump({name: {"overall": v, "public": v, "private": v} for name, v in probes.items()}, open(sys.argv[3], "w"))
`;
    const names = ['loopback', 'internet', 'dns', 'host-secret', 'host-labels', 'write-labels', 'read-labels', 'read-predictions', 'inputs'];
    const rules = rulesFor(probe, { extra: names });
    const files = await writeCase(dir, SMALL_CASE);
    const outcome = await scorePredictionFiles(rules, files.predictions, files.labels, { workRoot: dir });
    if (!outcome.ok) throw new Error(outcome.message);
    const seen = Object.fromEntries(names.map((name) => [name, outcome.scores.secondary?.[name]?.overall]));
    expect(seen).toEqual({
      loopback: 0,
      internet: 0,
      dns: 0,
      'host-secret': 0,
      'host-labels': 0,
      'write-labels': 0,
      'read-labels': 1,
      'read-predictions': 1,
      inputs: 2,
    });
    // The run's folder is gone afterwards: nothing staged outlives the run.
    expect((await readdir(dir)).sort()).toEqual(['labels.csv', 'other-submission-labels.csv', 'predictions.csv']);
  });

  it('hands the program the predictions in one plain shape whatever the team wrote (no BOM, LF, format column order)', async () => {
    const echo = `
import json, sys
text = open(sys.argv[2], "rb").read()
ok = text.startswith(b"filename,relapse\\n") and b"\\r" not in text and text.count(b"\\n") == 5
json.dump({"main": {"overall": 1 if ok else 0, "public": 0, "private": 0}}, open(sys.argv[3], "w"))
`;
    const { outcome } = await runProgram(rulesFor(echo));
    expect(await outcome).toMatchObject({ ok: true, scores: { overall: 1 } });
  });
});

describe('a program that fails or prints unusable scores', () => {
  const failures: [string, string, Partial<ProgramMetric> | undefined, RegExp][] = [
    ['exits non-zero', 'raise ValueError("labels have no relapse column")', undefined, /^exited with code 1: ValueError: labels have no relapse column/],
    ['writes no scores.json', 'print("done")', undefined, /wrote no scores\.json/],
    ['writes malformed JSON', 'import sys; open(sys.argv[3], "w").write("{\\"main\\": ")', undefined, /not valid JSON/],
    ['writes NaN', WRITE_SCORES('float("nan")'), undefined, /NaN and Infinity are not JSON numbers/],
    ['writes null', WRITE_SCORES('None'), undefined, /score "main"\.overall is null, not a finite number/],
    ['writes a string', WRITE_SCORES('"0.5"'), undefined, /score "main"\.overall is "0\.5", not a finite number/],
    ['misses the primary score', 'import json, sys; json.dump({"other": {"overall": 1}}, open(sys.argv[3], "w"))', undefined, /no score "main"/],
    ['misses a split', WRITE_OVERALL_ONLY, undefined, /"main" has no "public"; score "main" has no "private"/],
    ['writes a list', 'import json, sys; json.dump([1, 2], open(sys.argv[3], "w"))', undefined, /not a JSON object of named scores/],
    ['links scores.json elsewhere', 'import os, sys; os.symlink("/etc/hostname", sys.argv[3])', undefined, /other than a regular file/],
    ['writes a huge scores.json', 'import sys; open(sys.argv[3], "w").write(" " * (2 * 1024 * 1024) + "{}")', undefined, /over the limit of 1048576/],
    ['runs past its time limit', 'import time; time.sleep(60)', { timeLimitSeconds: 1 }, /ran longer than its limit of 1 s \(metric\.timeLimitSeconds\)/],
    ['allocates past its memory limit', 'x = bytearray(600 * 1024 * 1024)', { memoryMiB: 256 }, /needed more than its memory limit of 256 MiB/],
  ];

  it.each(failures)(
    '%s → ScoringProgramError naming it',
    async (_name, source, metric, problem) => {
      const { outcome } = await runProgram(rulesFor(source, metric ? { metric } : {}));
      const error = await outcome.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ScoringProgramError);
      expect(error).toMatchObject({ code: 'SCORING_PROGRAM_FAILED', problem: expect.stringMatching(problem) });
    },
    30_000,
  );

  it('keeps only a bounded tail of what a flooding program prints', async () => {
    const flood = 'import sys\nfor i in range(400000): print("x" * 100, i)\nprint("the last line", file=sys.stderr)\nsys.exit(2)';
    const { outcome } = await runProgram(rulesFor(flood));
    const error = (await outcome.catch((thrown: unknown) => thrown)) as ScoringProgramError;
    expect(error.problem).toBe('exited with code 2: the last line');
    expect(error.message.length).toBeLessThan(30_000);
    expect(error.log).toMatch(/the last line/);
    expect(error.log).toMatch(/output was \d+ bytes/);
  }, 60_000);

  it('does not run at all on predictions that fail validation: they are the team’s, reported as such', async () => {
    const dir = await freshDir(workRoot, 'invalid-');
    const files = await writeCase(dir, SMALL_CASE);
    await writeFile(files.predictions, 'filename,relapse\ncase_0000.tif,1.5\n');
    const outcome = await scorePredictionFiles(rulesFor('raise SystemExit(9)'), files.predictions, files.labels, { workRoot: dir });
    expect(outcome).toMatchObject({ ok: false, message: expect.stringMatching(/the predictions file is invalid/) });
  });
});
