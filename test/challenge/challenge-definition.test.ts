import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getChallengeRecord, listChallenges } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge, parseChallengeYaml } from '#shared/challenge/load-challenge.ts';
import { PodiumError } from '#shared/errors.ts';
import { seedExampleChallenges } from '../../local/seed-examples.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';

const tissuenetYaml = await readFile('examples/tissuenet/challenge.yaml', 'utf8');

/** The first issue a malformed challenge file reports, as `field: message`. */
function rejection(yaml: string): string {
  try {
    parseChallengeYaml(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(PodiumError);
    expect((error as PodiumError).code).toBe('CHALLENGE_INVALID');
    return (error as PodiumError).message;
  }
  throw new Error('the challenge file was accepted');
}

describe('challenge definitions', () => {
  it('loads both example challenges with their phases, datasets and rules version', async () => {
    const tissuenet = await loadChallenge('examples/tissuenet');
    const visiomel = await loadChallenge('examples/visiomel');
    expect(tissuenet.phases.map((phase) => phase.id)).toEqual(['learning', 'final']);
    expect(tissuenet.metric.kind).toBe('cost-matrix');
    expect(tissuenet.phases[0]!.runtime.dataMount).toBe('data');
    const program = { kind: 'program', path: 'score.py', score: 'weighted-log-loss', higherIsBetter: false, timeLimitSeconds: 60, memoryMiB: 512 };
    expect(visiomel.metric).toEqual(program);
    expect(visiomel.scoringProgram).toMatchObject({ path: 'score.py', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(visiomel.phases[0]!.runtime.dataMount).toBe('/code_execution/data');
    expect(visiomel.registration.approval).toBe('manual');
    expect(tissuenet.rulesVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(tissuenet.rulesVersion).not.toBe(visiomel.rulesVersion);
  });

  it('names the field and the reason for a wrong type', () => {
    const message = rejection(tissuenetYaml.replace('maxSize: 4', 'maxSize: four'));
    expect(message).toContain('teams.maxSize');
    expect(message).toMatch(/expected number/i);
  });

  it('names a missing field', () => {
    const message = rejection(tissuenetYaml.replace(/^metric:\n(?: {2}.*\n)+/m, ''));
    expect(message).toContain('metric');
  });

  it('rejects overlapping phases, naming the phase field', () => {
    const message = rejection(tissuenetYaml.replace('opens: "2027-03-01T00:00:00Z"', 'opens: "2027-02-01T00:00:00Z"'));
    expect(message).toContain('phases[1].opens');
    expect(message).toContain('overlaps phase "learning"');
  });

  it('rejects a phase scored on a dataset that is not hidden, and unknown parents', () => {
    expect(rejection(tissuenetYaml.replace('dataset: final', 'dataset: train'))).toContain('phases[1].dataset: must name a hidden dataset');
    expect(rejection(tissuenetYaml.replace('parent: learning', 'parent: warmup'))).toContain('phases[1].parent: names unknown phase "warmup"');
  });

  it('rejects a cost matrix that does not match the prediction columns', () => {
    expect(rejection(tissuenetYaml.replace('    - [1.0, 0.7, 0.3, 0.0]\n', ''))).toContain('metric.matrix: must be 4×4');
  });

  it('rejects local instants and unknown keys', () => {
    expect(rejection(tissuenetYaml.replace('"2026-01-01T00:00:00Z"', '"2026-01-01T00:00:00"'))).toContain('phases[0].opens');
    expect(rejection(tissuenetYaml.replace('scorePrecision: 4', 'scorePrecision: 4\nscoreprecision: 3'))).toContain('Unrecognized key');
  });

  it('rejects a code release under a licence that is not open source, or for an unknown phase', () => {
    expect(rejection(tissuenetYaml.replace('licences: [MIT,', 'licences: [CC-BY-NC-4.0, MIT,'))).toContain(
      'codeRelease.licences[0]: "CC-BY-NC-4.0" is not an OSI-approved licence Podium knows',
    );
    expect(rejection(tissuenetYaml.replace('codeRelease:\n  phase: final', 'codeRelease:\n  phase: finals'))).toContain(
      'codeRelease.phase: names unknown phase "finals"',
    );
  });

  it('reports YAML syntax errors with their line', () => {
    expect(rejection('id: x\ntitle: [unclosed\n')).toMatch(/line \d+/);
  });
});

const visiomelYaml = await readFile('examples/visiomel/challenge.yaml', 'utf8');
const withMetric = (metric: string) => visiomelYaml.replace(/^metric:\n(?: {2}.*\n)+/m, `metric:\n${metric}\n`);

describe('scoring program metrics', () => {
  it('refuses bad program settings, naming the field', () => {
    const program = (path: string) => withMetric(`  kind: program\n  path: ${path}\n  score: weighted-log-loss\n  higherIsBetter: false`);
    expect(rejection(program('/etc/score.py'))).toContain('metric.path: must be a path inside the challenge folder (relative, no "..")');
    expect(rejection(program('../shared/score.py'))).toContain('metric.path: must be a path inside the challenge folder (relative, no "..")');
    expect(rejection(program('scripts\\..\\..\\score.py'))).toContain('metric.path: must be a path inside the challenge folder');
    expect(rejection(program('score.sh'))).toContain('metric.path: must be a .py file');
    expect(rejection(withMetric('  kind: program\n  path: score.py\n  higherIsBetter: false'))).toContain('metric.score');
    expect(rejection(withMetric('  kind: program\n  path: score.py\n  score: weighted-log-loss'))).toContain('metric.higherIsBetter');
    const badName = withMetric('  kind: program\n  path: score.py\n  score: Weighted Loss\n  higherIsBetter: false');
    expect(rejection(badName)).toContain('metric.score: must be 1–32 lower-case letters');
    const withSetting = (line: string) => program('score.py').replace('higherIsBetter: false', `higherIsBetter: false\n  ${line}`);
    expect(rejection(withSetting('timeLimitSeconds: 3600'))).toContain('metric.timeLimitSeconds');
    expect(rejection(withSetting('memoryMiB: 64'))).toContain('metric.memoryMiB');
    expect(rejection(withSetting('command: python3'))).toContain('Unrecognized key');
  });

  it('refuses program scores without a program, and a secondary score named like the primary one', () => {
    expect(rejection(withMetric('  kind: log-loss'))).toContain('secondaryMetrics[0].kind: needs metric.kind program');
    expect(rejection(visiomelYaml.replace('{ name: log-loss, kind: program', '{ name: weighted-log-loss, kind: program'))).toContain(
      'secondaryMetrics[0].name: is metric.score "weighted-log-loss", the primary score',
    );
  });

  it('refuses a program file that is missing, a link leading out of the folder, empty, too large or not UTF-8', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'podium-program-'));
    await cp('examples/visiomel', dir, { recursive: true });
    const load = () =>
      loadChallenge(dir).then(
        () => 'accepted',
        (error: PodiumError) => error.message,
      );
    const outside = join(await mkdtemp(join(tmpdir(), 'podium-outside-')), 'score.py');
    await writeFile(outside, 'print(1)\n');
    const cases: [string, () => Promise<void>, string][] = [
      [
        'missing',
        () => writeFile(join(dir, 'challenge.yaml'), visiomelYaml.replace('path: score.py', 'path: metric/score.py')),
        'metric.path: file metric/score.py was not found in the challenge folder',
      ],
      [
        'a link out',
        async () => {
          await writeFile(join(dir, 'challenge.yaml'), visiomelYaml.replace('path: score.py', 'path: linked.py'));
          await symlink(outside, join(dir, 'linked.py'));
        },
        'metric.path: file linked.py is a link leading out of the challenge folder',
      ],
      [
        'a folder',
        async () => {
          await writeFile(join(dir, 'challenge.yaml'), visiomelYaml.replace('path: score.py', 'path: folder.py'));
          await mkdir(join(dir, 'folder.py'));
        },
        'metric.path: folder.py is not a regular file',
      ],
      [
        'empty',
        async () => {
          await writeFile(join(dir, 'challenge.yaml'), visiomelYaml);
          await writeFile(join(dir, 'score.py'), '');
        },
        'metric.path: file score.py is empty',
      ],
      ['too large', () => writeFile(join(dir, 'score.py'), '#'.repeat(64 * 1024 + 1)), 'metric.path: file score.py is 65537 bytes, over the limit of 65536'],
      ['not UTF-8', () => writeFile(join(dir, 'score.py'), Buffer.from([0x70, 0xff, 0xfe])), 'metric.path: file score.py is not UTF-8 text'],
    ];
    for (const [, arrange, message] of cases) {
      await arrange();
      expect(await load()).toContain(message);
    }
  });
});

describe('loading challenges into storage', () => {
  let fixture: StorageFixture;
  beforeAll(async () => {
    fixture = await startStorageFixture();
  });
  afterAll(async () => fixture.close());

  it('writes nothing when one challenge file is invalid', async () => {
    const ctx = await fixture.freshContext();
    const examples = await mkdtemp(join(tmpdir(), 'podium-examples-'));
    await cp('examples/tissuenet', join(examples, 'tissuenet'), { recursive: true });
    await writeFile(join(examples, 'tissuenet', 'challenge.yaml'), tissuenetYaml.replace('maxSize: 4', 'maxSize: -1'));
    await expect(seedExampleChallenges(ctx, examples, join(examples, '.data'))).rejects.toThrow(/teams\.maxSize/);
    expect(await listChallenges(ctx)).toEqual([]);
    const objects = await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.config.datasetsBucket }));
    expect(objects.KeyCount ?? 0).toBe(0);
  });

  it('registers a challenge once and re-registers only when its definition changes', async () => {
    const ctx = await fixture.freshContext();
    const examples = await mkdtemp(join(tmpdir(), 'podium-examples-'));
    await cp('examples/visiomel', join(examples, 'visiomel'), { recursive: true });
    await cp('examples/lib', join(examples, 'lib'), { recursive: true });
    const dataDir = join(examples, '.data');
    await seedExampleChallenges(ctx, examples, dataDir);
    const first = await getChallengeRecord(ctx, 'visiomel');
    await seedExampleChallenges(ctx, examples, dataDir);
    expect((await getChallengeRecord(ctx, 'visiomel'))?.updatedAt).toBe(first?.updatedAt);

    await writeFile(join(examples, 'visiomel', 'pages', 'rules.md'), '# Rules (version 2)\n');
    await seedExampleChallenges(ctx, examples, dataDir);
    const updated = await getChallengeRecord(ctx, 'visiomel');
    expect(updated?.challenge.rulesVersion).not.toBe(first?.challenge.rulesVersion);
    expect((await listChallenges(ctx)).map((challenge) => challenge.id)).toEqual(['visiomel']);
  });
});
