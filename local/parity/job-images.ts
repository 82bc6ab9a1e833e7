import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, symlinkSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { podman } from '../job-runner/podman.ts';
import { findPodiumRuntime } from '#shared/runtimes/podium-runtimes.ts';
import { LAUNCHER_DOCKERFILE, PODIUM_SOURCES, runtimeOfContext } from '../../infra/runtime-image-asset.ts';
import { ensureBaseImage, type BaseImage } from './base-images.ts';
import type { ImageAsset } from './synthesized-jobs.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The build arguments a Dockerfile declares before its first stage (`ARG NAME=default`). */
export function declaredBuildArgs(dockerfile: string): string[] {
  const prelude = dockerfile.slice(0, Math.max(0, dockerfile.search(/^FROM\s/m)));
  return [...prelude.matchAll(/^ARG\s+([A-Z_][A-Z0-9_]*)/gm)].map((match) => match[1]!);
}

/** The `RUN npx esbuild …` of the Dockerfile's bundle stage, continuation lines joined, without `RUN`. */
export function esbuildCommandOf(dockerfile: string): string {
  const match = /^RUN (npx esbuild (?:.*\\\n)*.*)$/m.exec(dockerfile);
  if (!match) throw new Error('the Dockerfile has no `RUN npx esbuild …` bundle step');
  return match[1]!.replace(/\\\n\s*/g, ' ');
}

/**
 * Builds each job image from the context CDK staged for it and its own Dockerfile, on the
 * bootstrapped bases, once per asset and bases (the tag is their hash). The bundle stage's esbuild
 * command runs on this machine (same command, same lockfile's esbuild) and the build takes it from
 * the context (`BUNDLE=context`): no registry and no network inside the build.
 *
 * An inference image whose phase names a Podium runtime is the launcher layer on that runtime's CI
 * variant (bootstrapped from Debian's packages; the GPU runtime, which has none, on the CPU one's):
 * the runtime's own Dockerfile installs from a Python package index CI cannot reach.
 */
export async function ensureJobImages(assets: Iterable<ImageAsset>, cacheDir: string, log: (line: string) => void): Promise<Map<string, string>> {
  const bases = new Map<BaseImage, string>();
  const base = async (name: BaseImage) => bases.get(name) ?? bases.set(name, await ensureBaseImage(name, cacheDir, log)).get(name)!;
  const images = new Map<string, string>();
  for (const asset of assets) {
    const plan = await buildPlanOf(asset, base, log);
    const tag = createHash('sha256').update(asset.hash).update(JSON.stringify(plan.buildArgs)).update(plan.dockerFile).digest('hex').slice(0, 24);
    const image = `localhost/podium-${plan.name}:${tag}`;
    images.set(asset.hash, image);
    if (
      await podman(['image', 'exists', image]).then(
        () => true,
        () => false,
      )
    )
      continue;
    log(`  building the ${plan.name} image from ${plan.dockerFile}…`);
    const started = Date.now();
    const context = await mkdtemp(join(tmpdir(), `podium-image-${plan.name}-`));
    try {
      await cp(asset.contextDir, context, { recursive: true });
      const sources = join(context, plan.sources);
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(sources, 'node_modules'));
      await sh(esbuildCommandOf(readFileSync(join(context, plan.dockerFile), 'utf8')), sources);
      await rm(join(sources, 'node_modules'));
      await podman([
        'build',
        '--pull=never',
        '--network=none',
        '--layers',
        ...Object.entries(plan.buildArgs).map(([arg, value]) => `--build-arg=${arg}=${value}`),
        `--file=${join(context, plan.dockerFile)}`,
        `--tag=${image}`,
        context,
      ]);
      log(`  ${image} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  }
  return images;
}

interface BuildPlan {
  /** podium-<name>: inference, scoring, or inference-<runtime>. */
  name: string;
  /** The Dockerfile to build, relative to the context. */
  dockerFile: string;
  /** Where Podium's sources are in the context (where esbuild runs). */
  sources: string;
  buildArgs: Record<string, string>;
}

async function buildPlanOf(asset: ImageAsset, base: (name: BaseImage) => Promise<string>, log: (line: string) => void): Promise<BuildPlan> {
  const runtime = runtimeOfContext(asset.contextDir);
  if (runtime?.kind === 'podium') {
    const [, name = 'runtime', version = '0'] = /^podium\/([a-z0-9-]+):(\d+)$/.exec(runtime.reference) ?? [];
    const ci = findPodiumRuntime(name, Number(version))?.ci ? runtime.reference : 'podium/cpu:1';
    if (ci !== runtime.reference) log(`  ${runtime.reference} has no CI variant: its phases run on ${ci}'s (the same frameworks, no CUDA)`);
    const buildArgs = { BUNDLE: 'context', PODIUM_SOURCES: PODIUM_SOURCES, NODE_BASE: await base('node'), RUNTIME_BASE: await base('runtime-cpu') };
    return { name: `inference-${name}-${version}`, dockerFile: `${PODIUM_SOURCES}/${LAUNCHER_DOCKERFILE}`, sources: PODIUM_SOURCES, buildArgs };
  }
  if (runtime?.kind === 'dockerfile') {
    // The organiser's Dockerfile is built as it is, followed by the launcher's stages.
    return {
      name: 'inference-organiser',
      dockerFile: asset.dockerFile,
      sources: PODIUM_SOURCES,
      buildArgs: { BUNDLE: 'context', NODE_BASE: await base('node') },
    };
  }
  const dockerfile = readFileSync(join(asset.contextDir, asset.dockerFile), 'utf8');
  const name = /batch-jobs\/([^/]+)\/Dockerfile$/.exec(asset.dockerFile)?.[1] ?? 'job';
  const buildArgs: Record<string, string> = { BUNDLE: 'context' };
  const declared = declaredBuildArgs(dockerfile);
  if (declared.includes('NODE_BASE')) buildArgs.NODE_BASE = await base('node');
  // An organiser's image URI: no registry here, so the smallest Python runtime stands in for it.
  if (declared.includes('RUNTIME_BASE')) buildArgs.RUNTIME_BASE = await base('runtime');
  return { name, dockerFile: asset.dockerFile, sources: '.', buildArgs };
}

function sh(command: string, cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PATH: `${join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => (code === 0 ? done() : fail(new Error(`${command.slice(0, 60)}… exited ${code}: ${stderr.trim()}`))));
  });
}
