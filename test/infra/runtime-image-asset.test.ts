import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { combinedDockerfile } from '../../infra/runtime-image-asset.ts';
import { synthesisePodium, type SynthesisedPodium } from './podium-app.ts';

/** The docker image assets of a synthesised app: context folder and Dockerfile, with build args. */
function imageAssets(podium: SynthesisedPodium) {
  const assets: { directory: string; dockerFile: string; buildArgs: Record<string, string> }[] = [];
  for (const file of readdirSync(podium.outdir).filter((name) => name.endsWith('.assets.json'))) {
    const manifest = JSON.parse(readFileSync(join(podium.outdir, file), 'utf8')) as {
      dockerImages?: Record<string, { source: { directory: string; dockerFile?: string; dockerBuildArgs?: Record<string, string> } }>;
    };
    for (const image of Object.values(manifest.dockerImages ?? {})) {
      assets.push({
        directory: join(podium.outdir, image.source.directory),
        dockerFile: image.source.dockerFile ?? 'Dockerfile',
        buildArgs: image.source.dockerBuildArgs ?? {},
      });
    }
  }
  return assets;
}

const dockerfileOf = (asset: { directory: string; dockerFile: string }) => readFileSync(join(asset.directory, asset.dockerFile), 'utf8');

describe('inference image per phase runtime', () => {
  let tissuenet: SynthesisedPodium;
  beforeAll(async () => {
    tissuenet = await synthesisePodium();
  });

  it("builds the phase's Podium runtime from its Dockerfile, then Podium's launcher layer on its last stage, in one build", () => {
    const inference = imageAssets(tissuenet).filter((asset) => dockerfileOf(asset).includes('inference.mjs'));
    // Learning on podium/cpu:1, final on podium/pytorch-gpu:1: two inference images.
    expect(inference).toHaveLength(2);
    const cpu = inference.find((asset) => dockerfileOf(asset).includes('runtime podium/cpu:1'))!;
    const text = dockerfileOf(cpu);
    const runtimeFrom = text.indexOf('FROM python:3.11.10-slim-bookworm AS podium-runtime');
    const launcherFrom = text.indexOf('FROM podium-runtime\n');
    expect(runtimeFrom).toBeGreaterThan(0);
    expect(launcherFrom).toBeGreaterThan(runtimeFrom);
    // The global ARGs come before any stage, and Podium's sources are under .podium/ in the context.
    expect(text.indexOf('ARG NODE_BASE')).toBeLessThan(runtimeFrom);
    expect(text).toContain('ARG PODIUM_SOURCES=.podium');
    expect(readFileSync(join(cpu.directory, '.podium/batch-jobs/inference/main.ts'), 'utf8')).toContain('runInferenceJob');
    // The runtime's own context: its lockfile and the import test its Dockerfile copies.
    expect(JSON.parse(readFileSync(join(cpu.directory, 'cpu/1/runtime.lock.json'), 'utf8')).packages.torch).toBe('2.5.1+cpu');
    expect(readFileSync(join(cpu.directory, 'test_packages.py'), 'utf8')).toContain('importlib.import_module');
  });

  it("passes an organiser's image URI as the launcher's RUNTIME_BASE", async () => {
    const uri = '123456789012.dkr.ecr.eu-west-3.amazonaws.com/tissuenet-runtime@sha256:' + 'a'.repeat(64);
    const podium = await synthesisePodium('examples/tissuenet', (challenge) => {
      challenge.phases[1]!.runtime.image = { uri };
      return challenge;
    });
    const launcher = imageAssets(podium).find((asset) => asset.dockerFile === 'batch-jobs/inference/Dockerfile');
    expect(launcher?.buildArgs).toEqual({ RUNTIME_BASE: uri });
  });

  it("builds an organiser's Dockerfile from the challenge folder, with the launcher on top", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'podium-organiser-runtime-'));
    await cp('examples/tissuenet', folder, { recursive: true });
    writeFileSync(join(folder, 'runtime.Dockerfile'), 'FROM python:3.12-slim AS base\nRUN pip install --no-cache-dir monai==1.4.0\nFROM base\n');
    const yaml = readFileSync(join(folder, 'challenge.yaml'), 'utf8').replace('image: podium/pytorch-gpu:1', 'image: { dockerfile: runtime.Dockerfile }');
    writeFileSync(join(folder, 'challenge.yaml'), yaml);
    const podium = await synthesisePodium(folder);
    const organiser = imageAssets(podium).find((asset) => dockerfileOf(asset).includes('runtime dockerfile:runtime.Dockerfile'));
    expect(organiser).toBeDefined();
    const text = dockerfileOf(organiser!);
    expect(text).toContain('RUN pip install --no-cache-dir monai==1.4.0\nFROM base AS podium-runtime');
    expect(text).toContain('FROM podium-runtime\n');
  });
});

describe('combinedDockerfile', () => {
  const launcher = readFileSync('batch-jobs/inference/Dockerfile', 'utf8');

  it('keeps a named last stage and starts the launcher from it', () => {
    const text = combinedDockerfile('FROM debian:bookworm AS tools\nFROM tools AS mine\nRUN true\n', launcher, 'test');
    expect(text).toContain('FROM mine\n');
    expect(text).not.toContain('AS podium-runtime');
  });

  it('refuses a runtime Dockerfile whose stage names clash with the launcher’s, or with no FROM', () => {
    expect(() => combinedDockerfile('FROM debian:bookworm AS bundle\n', launcher, 'test')).toThrow(/stage "bundle"/);
    expect(() => combinedDockerfile('RUN true\n', launcher, 'test')).toThrow(/no FROM/);
  });
});
