import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../examples/visiomel/generate-data.ts';
import { cliUser, type CliRunner } from './run-cli.ts';

/**
 * `podium validate` and `podium score` on a challenge scored by its organisers' program
 * (examples/visiomel/score.py): both run it offline, sandboxed as the scoring job does.
 */
let work: string;
let dataRoot: string;
let organiser: CliRunner;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-program-'));
  dataRoot = join(work, 'data');
  await generate(dataRoot);
  organiser = await cliUser();
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

/** A copy of examples/visiomel whose score.py is replaced by `source`. */
async function visiomelWithProgram(source: string): Promise<string> {
  const dir = await mkdtemp(join(work, 'challenge-'));
  await cp('examples/visiomel', dir, { recursive: true });
  await writeFile(join(dir, 'score.py'), source);
  return dir;
}

describe('podium validate with a scoring program', () => {
  it('runs the program on the smoke labels, against the smoke submission format or a sample submission', async () => {
    const result = await organiser.run(['--json', 'validate', 'examples/visiomel', '--data', dataRoot]);
    expect(result.code, result.stderr).toBe(0);
    const program = result.json<{ scoringProgram: Record<string, unknown> }>().scoringProgram;
    const scored = { overall: expect.any(Number) };
    expect(program).toMatchObject({ program: 'score.py', dataset: 'smoke', rows: 8, scores: { 'weighted-log-loss': scored, 'log-loss': scored } });

    const sample = join(work, 'sample.csv');
    const format = await readFile(join(dataRoot, 'smoke', 'inputs', 'submission_format.csv'), 'utf8');
    await writeFile(sample, format.replace(/,0\.0$/gm, ',0.5'));
    const human = await organiser.run(['validate', 'examples/visiomel', '--data', dataRoot, '--predictions', sample]);
    expect(human.code, human.stderr).toBe(0);
    // Answering 0.5 everywhere costs ln 2, weighted or not.
    expect(human.stdout).toMatch(/✓ scoring program score\.py \(sha256 [0-9a-f]{12}…\) scored .*sample\.csv on the smoke labels \(8 rows\)/);
    expect(human.stdout).toContain('(8 rows): weighted-log-loss 0.6931, log-loss 0.6931');
  });

  it('exits 1 with what a failing program printed', async () => {
    const broken = await visiomelWithProgram('import sys\nprint("looking for", sys.argv[1])\nraise KeyError("relapse")\n');
    const result = await organiser.run(['validate', broken, '--data', dataRoot]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('score.py failed on the smoke data');
    expect(result.stderr).toContain("the scoring program exited with code 1: KeyError: 'relapse'");
    expect(result.stderr).toContain('looking for input/labels.csv');
  });
});

describe('podium score with a scoring program', () => {
  it('prints the program’s scores per split with its digest as the scorer version, and exits 1 when the program fails', async () => {
    const labels = join(dataRoot, 'test', 'labels.csv');
    const predictions = join(work, 'test-predictions.csv');
    const text = (await readFile(join(dataRoot, 'test', 'inputs', 'submission_format.csv'), 'utf8')).replace(/,0\.0$/gm, ',0.5');
    await writeFile(predictions, text);
    const scored = await organiser.run(['score', '--challenge', 'examples/visiomel', '--phase', 'learning', predictions, labels]);
    expect(scored.code, scored.stderr).toBe(0);
    expect(scored.stdout).toContain('rows scored with the scoring program score.py (score "weighted-log-loss")');
    expect(scored.stdout).toMatch(/\(lower is better, scorer sha256:[0-9a-f]{64}\)/);
    expect(scored.stdout).toContain('  overall: 0.6931\n  public:  0.6931\n  private: 0.6931');
    expect(scored.stdout).toMatch(/log-loss \(program, lower is better\): overall 0\.6931, public 0\.6931, private 0\.6931/);

    const broken = await visiomelWithProgram('import json, sys\njson.dump({"weighted-log-loss": {"overall": 1}}, open(sys.argv[3], "w"))\n');
    const refused = await organiser.run(['score', '--challenge', broken, '--phase', 'learning', predictions, labels]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('score "weighted-log-loss" has no "public"');
  });
});
