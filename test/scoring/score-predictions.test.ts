import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import { offlineScore } from '#shared/scoring/offline-score.ts';
import { scorePredictions, type ScoringRules } from '#shared/scoring/score-predictions.ts';
import { SCORER_VERSION } from '#shared/scoring/scorer-version.ts';

/**
 * Six TissueNet slides, alternating public/private. Costs by hand from the TissueNet matrix:
 * true→pred 0→0 (0), 1→2 (0.3), 2→2 (0), 3→0 (1), 0→1 (0.1), 2→2 (0).
 * overall 1 − 1.4/6, public (rows 1, 3, 5) 1 − 0.1/3, private (rows 2, 4, 6) 1 − 1.3/3.
 */
const trueClasses = [0, 1, 2, 3, 0, 2];
const predictedClasses = [0, 2, 2, 0, 1, 2];
const ids = trueClasses.map((_, i) => `slide_${String(i).padStart(3, '0')}.tif`);
const oneHot = (k: number) => [0, 1, 2, 3].map((c) => (c === k ? 1 : 0)).join(',');
const labelsCsv = ['filename,0,1,2,3,usage', ...ids.map((id, i) => `${id},${oneHot(trueClasses[i]!)},${i % 2 === 0 ? 'public' : 'private'}`)].join('\n') + '\n';
const predictionLines = ids.map((id, i) => `${id},${oneHot(predictedClasses[i]!)}`);
const predictionsCsv = (lines: string[]) => ['filename,0,1,2,3', ...lines].join('\n') + '\n';

const EXPECTED = { overall: 1 - 1.4 / 6, public: 1 - 0.1 / 3, private: 1 - 1.3 / 3 };

let tissuenet: Challenge;
let rules: ScoringRules;
let workDir: string;

beforeAll(async () => {
  tissuenet = await loadChallenge('examples/tissuenet');
  rules = { format: tissuenet.submissionFormat, metric: tissuenet.metric, dataset: { id: 'test', splitColumn: 'usage' } };
  workDir = await mkdtemp(join(tmpdir(), 'podium-score-'));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

const text = (value: string) => Readable.from([Buffer.from(value)]);

describe('scorePredictions', () => {
  it('scores overall, public and private rows', async () => {
    const outcome = await scorePredictions(rules, text(predictionsCsv(predictionLines)), text(labelsCsv));
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.rows).toBe(6);
    expect(outcome.scores.overall).toBeCloseTo(EXPECTED.overall, 12);
    expect(outcome.scores.public).toBeCloseTo(EXPECTED.public, 12);
    expect(outcome.scores.private).toBeCloseTo(EXPECTED.private, 12);
  });

  it('gives the same scores whatever the row order', async () => {
    const shuffled = [3, 0, 5, 1, 4, 2].map((i) => predictionLines[i]!);
    const inOrder = await scorePredictions(rules, text(predictionsCsv(predictionLines)), text(labelsCsv));
    const reordered = await scorePredictions(rules, text(predictionsCsv(shuffled)), text(labelsCsv));
    expect(reordered).toEqual(inOrder);
  });

  it('scores only overall when the dataset has no split column', async () => {
    const outcome = await scorePredictions({ ...rules, dataset: { id: 'final' } }, text(predictionsCsv(predictionLines)), text(labelsCsv));
    expect(outcome.ok && outcome.scores).toEqual({ overall: expect.closeTo(EXPECTED.overall, 12) });
  });

  it('returns the validation errors of predictions that do not match the labels', async () => {
    const outcome = await scorePredictions(rules, text(predictionsCsv(predictionLines.slice(1))), text(labelsCsv));
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.counts.missingIds).toBe(1);
  });

  it('refuses labels without the declared split column as LABELS_INVALID', async () => {
    const labels = labelsCsv.replace(',usage', ',split');
    await expect(scorePredictions(rules, text(predictionsCsv(predictionLines)), text(labels))).rejects.toMatchObject({
      code: 'LABELS_INVALID',
      message: 'the labels file is unusable: missing the split column "usage"',
    });
  });
});

describe('scorePredictions with reopenable sources (ordered fast path, indexed fallback)', () => {
  const reopen = (value: string) => () => text(value);

  it('gives the same scores on files in the same order as on shuffled ones', async () => {
    const ordered = await scorePredictions(rules, reopen(predictionsCsv(predictionLines)), reopen(labelsCsv));
    const shuffled = await scorePredictions(rules, reopen(predictionsCsv([...predictionLines].reverse())), reopen(labelsCsv));
    expect(ordered).toEqual(shuffled);
    expect(ordered.ok && ordered.scores.overall).toBeCloseTo(EXPECTED.overall, 12);
  });

  it('still reports every problem of an ordered file with bad values', async () => {
    const lines = [...predictionLines];
    lines[2] = `${ids[2]},0,0,NaN,0`;
    const outcome = await scorePredictions(rules, reopen(predictionsCsv(lines)), reopen(labelsCsv));
    expect(!outcome.ok && outcome.counts).toMatchObject({ badValues: 1, notOneHotRows: 0 });
  });

  it('catches ids repeated in the same order in both files', async () => {
    const labels = labelsCsv + `${ids[5]},${oneHot(2)},private\n`;
    const predictions = predictionsCsv([...predictionLines, predictionLines[5]!]);
    await expect(scorePredictions(rules, reopen(predictions), reopen(labels))).rejects.toMatchObject({
      code: 'LABELS_INVALID',
      message: expect.stringContaining('repeats an id'),
    });
  });

  // The labels' ids are indexed a batch at a time up to the first escaped id; errors must still
  // name the first bad line in file order.
  it.each([
    ['a plain id repeating an escaped one', ['"s""1",1,0,0,0,public', 's"1,1,0,0,0,private'], 'line 3 repeats an id'],
    ['an escaped id repeating a plain one', ['s"1,1,0,0,0,public', '"s""1",1,0,0,0,private'], 'line 3 repeats an id'],
    ['a bad value before a repeated id', ['a,1,0,0,0,public', 'b,1,1,0,0,public', 'a,1,0,0,0,public'], 'line 3 does not have exactly one 1'],
  ])('names the first bad labels line: %s', async (_, lines, message) => {
    const labels = ['filename,0,1,2,3,usage', ...lines].join('\n') + '\n';
    const predictions = predictionsCsv([`a,${oneHot(0)}`]);
    await expect(scorePredictions(rules, reopen(predictions), reopen(labels))).rejects.toMatchObject({
      code: 'LABELS_INVALID',
      message: expect.stringContaining(message),
    });
  });
});

describe('offlineScore (podium score)', () => {
  it('prints public and private scores with the challenge precision', async () => {
    const predictionsPath = join(workDir, 'submission.csv');
    const labelsPath = join(workDir, 'labels.csv');
    await writeFile(predictionsPath, predictionsCsv(predictionLines));
    await writeFile(labelsPath, labelsCsv);
    const result = await offlineScore({ challengeDir: 'examples/tissuenet', phaseId: 'learning', predictionsPath, labelsPath });
    expect(result).toMatchObject({
      ok: true,
      challengeId: 'tissuenet',
      datasetId: 'test',
      metric: 'cost-matrix',
      higherIsBetter: true,
      scorerVersion: SCORER_VERSION,
      rows: 6,
    });
    expect(result.text).toBe(
      [
        `tissuenet / learning: 6 rows scored with cost-matrix (higher is better, scorer ${SCORER_VERSION})`,
        '  overall: 0.7667',
        '  public:  0.9667',
        '  private: 0.5667',
      ].join('\n'),
    );
  });

  it('prints every secondary score with its direction and precision', async () => {
    const challengeDir = join(workDir, 'with-secondary');
    await cp('examples/tissuenet', challengeDir, { recursive: true, filter: (source) => !source.startsWith(join('examples/tissuenet', 'data')) });
    await appendFile(
      join(challengeDir, 'challenge.yaml'),
      '\nsecondaryMetrics:\n  - { name: accuracy, kind: accuracy, precision: 2 }\n  - { name: loss, kind: mae }\n',
    );
    const predictionsPath = join(workDir, 'submission.csv');
    const labelsPath = join(workDir, 'labels.csv');
    await writeFile(predictionsPath, predictionsCsv(predictionLines));
    await writeFile(labelsPath, labelsCsv);
    const result = await offlineScore({ challengeDir, phaseId: 'learning', predictionsPath, labelsPath });
    expect(result.scores?.secondary?.accuracy).toEqual({ overall: 3 / 6, public: 2 / 3, private: 1 / 3 });
    // Rows 0→0 ✓, 1→2 ✗, 2→2 ✓, 3→0 ✗, 0→1 ✗, 2→2 ✓ (public: the even rows).
    expect(result.text.split('\n').slice(-2)).toEqual([
      '  accuracy (accuracy, higher is better): overall 0.50, public 0.67, private 0.33',
      expect.stringMatching(/^ {2}loss \(mae, lower is better\): overall \d\.\d{4}, public \d\.\d{4}, private \d\.\d{4}$/),
    ]);
  });

  it('prints the validation errors and a hint instead of a score', async () => {
    const predictionsPath = join(workDir, 'semicolons.csv');
    const labelsPath = join(workDir, 'labels.csv');
    await writeFile(predictionsPath, 'filename;0;1;2;3\n');
    await writeFile(labelsPath, labelsCsv);
    const result = await offlineScore({ challengeDir: 'examples/tissuenet', phaseId: 'learning', predictionsPath, labelsPath });
    expect(result.ok).toBe(false);
    expect(result.scores).toBeUndefined();
    expect(result.text).toContain('Predictions are invalid:\n  - the header is a single column: fields seem to be separated by semicolons');
    expect(result.text).toContain('Hint: separate fields with commas');
  });

  it('names an unknown phase and a missing file', async () => {
    const request = { challengeDir: 'examples/tissuenet', predictionsPath: join(workDir, 'none.csv'), labelsPath: join(workDir, 'labels.csv') };
    await expect(offlineScore({ ...request, phaseId: 'warmup' })).rejects.toThrow(
      'phase "warmup" was not found in challenge tissuenet (its phases: learning, final)',
    );
    await expect(offlineScore({ ...request, phaseId: 'learning' })).rejects.toThrow(`the predictions file ${request.predictionsPath} was not found`);
  });
});
