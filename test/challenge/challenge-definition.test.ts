import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
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
    expect(visiomel.metric).toEqual({ kind: 'log-loss', eps: 1e-16 });
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
    expect(rejection(tissuenetYaml.replace('codeRelease:\n  phase: final', 'codeRelease:\n  phase: finals'))).toContain('codeRelease.phase: names unknown phase "finals"');
  });

  it('reports YAML syntax errors with their line', () => {
    expect(rejection('id: x\ntitle: [unclosed\n')).toMatch(/line \d+/);
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
