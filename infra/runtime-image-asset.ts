import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import type { Construct } from 'constructs';
import type { PhaseDefinition } from '#shared/challenge/definition-schema.ts';
import { phaseRuntimeImage, type PhaseRuntimeImage } from '#shared/runtimes/runtime-image.ts';
import { REPO_ROOT } from './repo-root.ts';

/** The launcher's Dockerfile: Podium's layer on top of any runtime image with Python 3. */
export const LAUNCHER_DOCKERFILE = 'batch-jobs/inference/Dockerfile';
/** Where Podium's own sources go in a context that holds a runtime's Dockerfile and its files. */
export const PODIUM_SOURCES = '.podium';
/** What the generated context records about its runtime (read by the parity harness). */
export const RUNTIME_MARKER = `${PODIUM_SOURCES}/runtime.json`;
/** The stage the runtime's Dockerfile ends in, once combined with the launcher. */
const RUNTIME_STAGE = 'podium-runtime';
const LAUNCHER_STAGES = ['bundle-source', 'bundle-context', 'bundle'];

/**
 * The image build context is the repository, narrowed to what the jobs need (also the asset hash).
 * runtimes/: the challenge schema knows Podium's runtimes by their lockfiles, and the jobs bundle it.
 */
export const JOB_SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'shared', 'batch-jobs', 'runtimes'];
export const onlyJobSources = { exclude: ['**', ...JOB_SOURCES.map((source) => (source.includes('.') ? `!${source}` : `!${source}/**`))] };

/**
 * The inference image of a phase: the launcher layer on the phase's runtime.
 * - An image URI: the launcher Dockerfile with RUNTIME_BASE set to it.
 * - A Dockerfile (Podium's runtimes/<name>/<version>/Dockerfile, or the organiser's in the challenge
 *   folder): one build of a generated Dockerfile, the runtime's stages then the launcher's, so a
 *   single `cdk deploy` builds both with no registry between them.
 */
export function inferenceImage(scope: Construct, id: string, phase: PhaseDefinition, challengeDir: string | undefined): DockerImageAsset {
  const image = phaseRuntimeImage(phase.runtime);
  if (image.kind === 'uri') {
    return new DockerImageAsset(scope, id, {
      directory: REPO_ROOT,
      file: LAUNCHER_DOCKERFILE,
      platform: Platform.LINUX_AMD64,
      buildArgs: { RUNTIME_BASE: image.uri },
      ...onlyJobSources,
    });
  }
  return new DockerImageAsset(scope, id, { directory: combinedContext(image, challengeDir), file: 'Dockerfile', platform: Platform.LINUX_AMD64 });
}

/** The runtime's Dockerfile and build context folder. */
function runtimeDockerfile(image: Exclude<PhaseRuntimeImage, { kind: 'uri' }>, challengeDir: string | undefined): { dockerfile: string; context: string } {
  if (image.kind === 'podium') {
    // Podium's runtimes are built from the runtimes/ folder (they share test_packages.py).
    return { dockerfile: join(REPO_ROOT, image.runtime.folder, 'Dockerfile'), context: join(REPO_ROOT, 'runtimes') };
  }
  if (!challengeDir) throw new Error(`runtime.image ${image.reference}: the challenge folder is needed to find the Dockerfile`);
  const dockerfile = resolve(challengeDir, image.dockerfile);
  if (!dockerfile.startsWith(resolve(challengeDir) + '/') || !existsSync(dockerfile)) {
    throw new Error(`runtime.image.dockerfile: ${image.dockerfile} is no file inside the challenge folder ${challengeDir}`);
  }
  return { dockerfile, context: dirname(dockerfile) };
}

/**
 * A context folder holding the runtime's context, Podium's sources under .podium/ and a Dockerfile
 * made of the launcher's global ARGs, the runtime's Dockerfile (its last stage named
 * `podium-runtime`) and the launcher's stages on top of that stage. Kept under the system's
 * temporary folder by content hash: CDK stages it into cdk.out and hashes the content itself.
 */
export function combinedContext(image: Exclude<PhaseRuntimeImage, { kind: 'uri' }>, challengeDir: string | undefined): string {
  const runtime = runtimeDockerfile(image, challengeDir);
  const dockerfile = combinedDockerfile(readFileSync(runtime.dockerfile, 'utf8'), readFileSync(join(REPO_ROOT, LAUNCHER_DOCKERFILE), 'utf8'), image.reference);
  const marker = JSON.stringify({ kind: image.kind, reference: image.reference }, null, 2);
  const hash = createHash('sha256').update(dockerfile).update(marker);
  for (const file of [...listFiles(runtime.context), ...JOB_SOURCES.flatMap((source) => listFiles(join(REPO_ROOT, source)))]) {
    hash.update(file).update(readFileSync(file));
  }
  const dir = join(tmpdir(), `podium-inference-context-${hash.digest('hex').slice(0, 20)}`);
  if (existsSync(dir)) return dir;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(runtime.context, partial, { recursive: true });
  for (const source of JOB_SOURCES) cpSync(join(REPO_ROOT, source), join(partial, PODIUM_SOURCES, source), { recursive: true });
  writeFileSync(join(partial, RUNTIME_MARKER), marker);
  writeFileSync(join(partial, 'Dockerfile'), dockerfile);
  renameSync(partial, dir);
  return dir;
}

/** The runtime's Dockerfile followed by the launcher's stages, which start from the runtime's last stage. */
export function combinedDockerfile(runtimeText: string, launcherText: string, reference: string): string {
  const lines = runtimeText.split('\n').filter((line) => !/^#\s*syntax\s*=/i.test(line));
  const froms = lines.flatMap((line, index) => (/^\s*FROM\s/i.test(line) ? [index] : []));
  if (froms.length === 0) throw new Error(`runtime ${reference}: its Dockerfile has no FROM`);
  const stageNames = lines.flatMap((line) => /^\s*FROM\s.*\sAS\s+(\S+)\s*$/i.exec(line)?.[1] ?? []);
  const clash = stageNames.find((name) => [RUNTIME_STAGE, ...LAUNCHER_STAGES].includes(name.toLowerCase()));
  if (clash) throw new Error(`runtime ${reference}: its Dockerfile names a stage "${clash}", which Podium's launcher uses; rename it`);
  const last = froms.at(-1)!;
  const named = /\sAS\s+(\S+)\s*$/i.exec(lines[last]!);
  const finalStage = named ? named[1]! : RUNTIME_STAGE;
  if (!named) lines[last] = `${lines[last]!.trimEnd()} AS ${RUNTIME_STAGE}`;

  const launcherFrom = launcherText.search(/^FROM\s/m);
  const launcherArgs = launcherText
    .slice(0, launcherFrom)
    .split('\n')
    .filter((line) => /^ARG\s/.test(line))
    .map((line) => (line.startsWith('ARG PODIUM_SOURCES=') ? `ARG PODIUM_SOURCES=${PODIUM_SOURCES}` : line));
  const launcherStages = launcherText.slice(launcherFrom).replace(/^FROM \$\{RUNTIME_BASE\}$/m, `FROM ${finalStage}`);
  if (!launcherStages.includes(`FROM ${finalStage}\n`)) throw new Error(`${LAUNCHER_DOCKERFILE} no longer starts its last stage FROM \${RUNTIME_BASE}`);
  return [
    '# syntax=docker/dockerfile:1',
    `# Generated by infra/runtime-image-asset.ts: runtime ${reference}, then Podium's launcher layer (${LAUNCHER_DOCKERFILE}).`,
    ...launcherArgs,
    '',
    ...lines,
    '',
    launcherStages,
  ].join('\n');
}

function listFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => (entry.name === 'node_modules' ? [] : listFiles(join(path, entry.name))));
}

/** The runtime recorded in a generated context, or undefined for the repository-rooted launcher context. */
export function runtimeOfContext(contextDir: string): { kind: 'podium' | 'dockerfile'; reference: string } | undefined {
  const marker = join(contextDir, RUNTIME_MARKER);
  return existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { kind: 'podium' | 'dockerfile'; reference: string }) : undefined;
}
