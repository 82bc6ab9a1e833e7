import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import cpuLock from '../../runtimes/cpu/1/runtime.lock.json' with { type: 'json' };
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { startApi, tissuenet } from './api-harness.ts';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await startStorageFixture();
});
afterAll(() => fixture.close());

/** The definition as an organiser PUTs it: the challenge file as JSON plus its two pages. */
function definitionBody(challenge: Challenge) {
  const { rulesVersion: _computed, ...body } = challenge;
  return body;
}

/** TissueNet with the learning phase (open 2026-01-01 … 2027-03-01 at the harness's clock) on another runtime. */
const withLearningRuntime = (image: string, gpus: number) =>
  tissuenet((challenge) => {
    challenge.phases[0]!.runtime.image = image;
    challenge.phases[0]!.runtime.gpus = gpus;
  });

describe('GET /challenges/{c}/phases/{p}/runtime', () => {
  it('lists the image, Python and every package of the phase runtime’s lockfile, torch included', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const response = await api.call('GET', '/challenges/tissuenet/phases/learning/runtime');
    expect(response.status).toBe(200);
    const manifest = (await response.json()) as {
      image: string;
      python: string;
      packages: { name: string; version: string }[];
      ciVariant?: { packages: { name: string }[] };
    };
    expect(manifest).toMatchObject({ image: 'podium/cpu:1', kind: 'podium', python: cpuLock.python });
    expect(manifest.packages).toContainEqual({ name: 'torch', version: cpuLock.packages.torch });
    expect(manifest.packages).toHaveLength(Object.keys(cpuLock.packages).length);
    expect(manifest.ciVariant?.packages.map((p) => p.name)).toContain('torch');
  });

  it('names the GPU runtime, with its CUDA version, for the final phase', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const manifest = (await (await api.call('GET', '/challenges/tissuenet/phases/final/runtime')).json()) as {
      image: string;
      cuda?: string;
      packages: { name: string }[];
    };
    expect(manifest.image).toBe('podium/pytorch-gpu:1');
    expect(manifest.cuda).toMatch(/^12\./);
    expect(manifest.packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['torch', 'torchvision', 'timm', 'openslide-python', 'pyvips', 'lightgbm', 'xgboost']),
    );
  });

  it('answers 404 for a phase the challenge does not have', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const response = await api.call('GET', '/challenges/tissuenet/phases/nope/runtime');
    expect(response.status).toBe(404);
  });

  it('is described in /openapi.json with its response schema', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const document = (await (await api.call('GET', '/openapi.json')).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.paths['/challenges/{challengeId}/phases/{phaseId}/runtime']?.get?.responses['200']).toBeDefined();
    expect(document.components.schemas.RuntimeManifest).toMatchObject({ properties: { packages: expect.anything(), python: expect.anything() } });
  });
});

describe("changing a phase's runtime", () => {
  it('is refused while the phase is open, naming both runtimes, and nothing changes', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const organiser = await api.login('org@example.org', 'organiser');
    const refused = await api.call('PUT', '/admin/challenges/tissuenet', organiser, definitionBody(await withLearningRuntime('podium/pytorch-gpu:1', 1)));
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe('INVALID_STATE');
    expect(body.message).toContain('phase "learning" from podium/cpu:1 to podium/pytorch-gpu:1');
    const manifest = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/runtime')).json()) as { image: string };
    expect(manifest.image).toBe('podium/cpu:1');
  });

  it('is forced only with a reason, and the audit log keeps who, why, from and to', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const organiser = await api.login('org@example.org', 'organiser');
    const changed = definitionBody(await withLearningRuntime('podium/pytorch-gpu:1', 1));
    const noReason = await api.call('PUT', '/admin/challenges/tissuenet?force=true', organiser, changed);
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ message: expect.stringContaining('needs a reason') });

    const forced = await api.call(
      'PUT',
      `/admin/challenges/tissuenet?force=true&reason=${encodeURIComponent('CUDA kernels needed by half the teams')}`,
      organiser,
      changed,
    );
    expect(forced.status).toBe(200);
    expect(await forced.json()).toMatchObject({
      changed: true,
      runtimeChanges: [{ phaseId: 'learning', from: 'podium/cpu:1', to: 'podium/pytorch-gpu:1', open: true }],
    });
    const manifest = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/runtime')).json()) as { image: string };
    expect(manifest.image).toBe('podium/pytorch-gpu:1');
    const audit = ((await (await api.call('GET', '/admin/challenges/tissuenet/audit-log', organiser)).json()) as { entries: Record<string, unknown>[] })
      .entries;
    expect(audit.find((entry) => entry.action === 'phase.runtime-change')).toMatchObject({
      target: 'learning',
      reason: 'CUDA kernels needed by half the teams',
      details: { from: 'podium/cpu:1', to: 'podium/pytorch-gpu:1', forced: true },
    });
  });

  it('needs no force for a phase not yet open, and logs no forced change', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const organiser = await api.login('org@example.org', 'organiser');
    const finalOnOrganiserImage = await tissuenet((challenge) => {
      challenge.phases[1]!.runtime.image = { uri: '123456789012.dkr.ecr.eu-west-3.amazonaws.com/tissuenet-runtime:3' };
    });
    const response = await api.call('PUT', '/admin/challenges/tissuenet', organiser, definitionBody(finalOnOrganiserImage));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ changed: true, runtimeChanges: [{ phaseId: 'final', open: false }] });
    const manifest = (await (await api.call('GET', '/challenges/tissuenet/phases/final/runtime')).json()) as {
      image: string;
      kind: string;
      packages: unknown[];
    };
    expect(manifest).toMatchObject({ image: '123456789012.dkr.ecr.eu-west-3.amazonaws.com/tissuenet-runtime:3', kind: 'uri', packages: [] });
    const audit = ((await (await api.call('GET', '/admin/challenges/tissuenet/audit-log', organiser)).json()) as { entries: { action: string }[] }).entries;
    expect(audit.map((entry) => entry.action)).not.toContain('phase.runtime-change');
  });
});
