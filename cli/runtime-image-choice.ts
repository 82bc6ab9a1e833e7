import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { RuntimeManifest } from '#shared/runtimes/runtime-manifest.ts';
import { CliError, EXIT } from './output.ts';
import { imageExists, type ContainerEngine } from './container-run.ts';

/**
 * The image `test-submission --container` runs the phase's code in:
 * - `--image` when given;
 * - a Podium runtime: `podium/<name>:<version>` when built on this machine (docs/DEPLOY.md shows
 *   the `docker build` of runtimes/<name>/<version>/), else, with podman and mmdebstrap, the
 *   runtime's CI variant bootstrapped from Debian's packages (what CI and `npm run parity` run);
 * - an organiser's image URI: that image, pulled by the engine.
 */
export async function runtimeImageFor(
  engine: ContainerEngine,
  manifest: RuntimeManifest,
  given: string | undefined,
  note: (line: string) => void,
): Promise<string> {
  if (given) return given;
  if (manifest.kind === 'uri') {
    if (!(await imageExists(engine, manifest.image))) await pull(engine, manifest.image);
    return manifest.image;
  }
  if (manifest.kind === 'dockerfile') {
    throw new CliError('NO_RUNTIME_IMAGE', `${manifest.image} is the organiser's Dockerfile: build it, then pass its tag`, {
      exitCode: EXIT.usage,
      hint: `${engine} build -t my-runtime -f <challenge folder>/<Dockerfile> <its folder>, then --image my-runtime`,
    });
  }
  const tagged = manifest.image;
  if (await imageExists(engine, tagged)) return tagged;
  const [, name, version] = /^podium\/([a-z0-9-]+):(\d+)$/.exec(tagged) ?? [];
  const hasMmdebstrap = spawnSync('mmdebstrap', ['--version'], { stdio: 'ignore' }).status === 0;
  if (engine !== 'podman' || !hasMmdebstrap) {
    throw new CliError('NO_RUNTIME_IMAGE', `no ${tagged} image on this machine`, {
      exitCode: EXIT.usage,
      hint: `build it from the repository: ${engine} build -t ${tagged} -f runtimes/${name}/${version}/Dockerfile runtimes`,
    });
  }
  const { ensureBaseImage } = await import('../local/parity/base-images.ts');
  const cacheDir = process.env.PODIUM_IMAGE_CACHE ?? resolve(import.meta.dirname, '..', '.data/image-cache');
  const image = await ensureBaseImage('runtime-cpu', cacheDir, note);
  note(`no ${tagged} image here: using its CI variant from Debian's packages (${image}); \`podium runtime\` lists both`);
  return image;
}

async function pull(engine: ContainerEngine, image: string): Promise<void> {
  const { runEngine } = await import('./container-run.ts');
  await runEngine(engine, ['pull', image]).catch((error: Error) => {
    throw new CliError('NO_RUNTIME_IMAGE', `cannot pull ${image}: ${error.message.split('\n').at(-1)}`, {
      hint: `log in to its registry (${engine} login), or pass --image`,
    });
  });
}
