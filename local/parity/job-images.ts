import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, symlinkSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { podman } from '../job-runner/podman.ts';
import { ensureBaseImage } from './base-images.ts';
import type { ImageAsset } from './synthesized-jobs.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The build arguments a Dockerfile declares before its first stage (`ARG NAME=default`). */
export function declaredBuildArgs(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^ARG\s+([A-Z_][A-Z0-9_]*)/gm)].map((match) => match[1]!);
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
 */
export async function ensureJobImages(assets: Iterable<ImageAsset>, cacheDir: string, log: (line: string) => void): Promise<Map<string, string>> {
  const bases = { NODE_BASE: await ensureBaseImage('node', cacheDir, log), RUNTIME_BASE: await ensureBaseImage('runtime', cacheDir, log) };
  const images = new Map<string, string>();
  for (const asset of assets) {
    const dockerfile = readFileSync(join(asset.contextDir, asset.dockerFile), 'utf8');
    const name = /batch-jobs\/([^/]+)\/Dockerfile$/.exec(asset.dockerFile)?.[1] ?? 'job';
    const buildArgs: Record<string, string> = { BUNDLE: 'context' };
    for (const arg of declaredBuildArgs(dockerfile)) if (arg in bases) buildArgs[arg] = bases[arg as keyof typeof bases];
    const tag = createHash('sha256').update(asset.hash).update(JSON.stringify(buildArgs)).digest('hex').slice(0, 24);
    const image = `localhost/podium-${name}:${tag}`;
    images.set(asset.hash, image);
    if (await podman(['image', 'exists', image]).then(() => true, () => false)) continue;
    log(`  building the ${name} image from ${asset.dockerFile}…`);
    const started = Date.now();
    const context = await mkdtemp(join(tmpdir(), `podium-image-${name}-`));
    try {
      await cp(asset.contextDir, context, { recursive: true });
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(context, 'node_modules'));
      await sh(esbuildCommandOf(dockerfile), context);
      await rm(join(context, 'node_modules'));
      await podman([
        'build',
        '--pull=never',
        '--network=none',
        '--layers',
        ...Object.entries(buildArgs).map(([arg, value]) => `--build-arg=${arg}=${value}`),
        `--file=${join(context, asset.dockerFile)}`,
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

function sh(command: string, cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PATH: `${join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}` } });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => (code === 0 ? done() : fail(new Error(`${command.slice(0, 60)}… exited ${code}: ${stderr.trim()}`))));
  });
}
