import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { podman } from '../job-runner/podman.ts';

/**
 * The job images' base images where no registry is reachable (CI, these development machines):
 * Debian bookworm root file systems bootstrapped from packages with mmdebstrap, then imported into
 * podman. `node` stands in for node:24-bookworm-slim (with this machine's Node at the same path, and
 * the python3, setpriv and useradd the scoring image installs for scoring programs).
 * `runtime` is the smallest competitor runtime (Python 3 with numpy, pandas, Pillow): the stand-in
 * for an organiser's image. `runtime-cpu` is the CI variant of Podium's `cpu` runtime
 * (runtimes/cpu/1): the same frameworks from Debian's packages, as no Python package index is
 * reachable here; runtimes/cpu/1/ci.lock lists what it holds.
 */
export const BASE_IMAGES = {
  node: { packages: ['ca-certificates', 'libstdc++6', 'python3', 'util-linux', 'passwd'], hostNode: true },
  runtime: {
    packages: ['python3', 'python3-numpy', 'python3-pandas', 'python3-pil', 'util-linux', 'passwd', 'ca-certificates', 'libstdc++6'],
    hostNode: false,
  },
  'runtime-cpu': {
    packages: [
      'python3',
      'python3-torch',
      'python3-torchvision',
      'python3-sklearn',
      'python3-skimage',
      'python3-scipy',
      'python3-openslide',
      'python3-tifffile',
      'python3-opencv',
      'python3-xgboost',
      'python3-pandas',
      'python3-numpy',
      'python3-pil',
      'util-linux',
      'passwd',
      'ca-certificates',
      'libstdc++6',
    ],
    hostNode: false,
  },
} as const;
export type BaseImage = keyof typeof BASE_IMAGES;

const SUITE = 'bookworm';
const MIRROR = process.env.PODIUM_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
// Documentation and manuals are of no use in a job image; copyright files stay (licences).
const DPKG_OPTIONS = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/locale/*',
];
const IMAGE_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The mmdebstrap command of a base; its hash (with the Node binary's) names the cached tarball and image. */
function bootstrapCommand(base: BaseImage, tarball: string): string[] {
  const { packages, hostNode } = BASE_IMAGES[base];
  return [
    'mmdebstrap',
    '--variant=minbase',
    `--include=${packages.join(',')}`,
    ...DPKG_OPTIONS.map((option) => `--dpkgopt=${option}`),
    ...(hostNode
      ? [`--customize-hook=upload ${realpathSync(process.execPath)} /usr/local/bin/node`, '--customize-hook=chmod 755 "$1/usr/local/bin/node"']
      : []),
    SUITE,
    tarball,
    MIRROR,
  ];
}

function baseKey(base: BaseImage): string {
  const hash = createHash('sha256').update(JSON.stringify(bootstrapCommand(base, 'rootfs.tar')));
  if (BASE_IMAGES[base].hostNode) hash.update(readFileSync(realpathSync(process.execPath)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The base image, bootstrapped once per package list (and Node binary): an image already in podman
 * is used as is, a cached tarball under cacheDir is imported, otherwise mmdebstrap builds one.
 */
export async function ensureBaseImage(base: BaseImage, cacheDir: string, log: (line: string) => void): Promise<string> {
  const key = baseKey(base);
  const image = `localhost/podium-base-${base}:${key}`;
  if (
    await podman(['image', 'exists', image]).then(
      () => true,
      () => false,
    )
  )
    return image;
  await mkdir(cacheDir, { recursive: true });
  const tarball = join(cacheDir, `podium-base-${base}-${key}.tar`);
  // Test files run in parallel processes: one bootstraps, the others wait for its tarball.
  const release = await bootstrapLock(`${tarball}.lock`, tarball);
  try {
    await bootstrapTarball(base, tarball, log);
    if (
      !(await podman(['image', 'exists', image]).then(
        () => true,
        () => false,
      ))
    )
      await podman(['import', '--change', `ENV ${IMAGE_PATH}`, tarball, image]);
  } finally {
    release();
  }
  return image;
}

async function bootstrapTarball(base: BaseImage, tarball: string, log: (line: string) => void): Promise<void> {
  if (!existsSync(tarball)) {
    log(`  bootstrapping base ${base} from Debian ${SUITE} packages (mmdebstrap: a minute or two for node and runtime, ~10 for runtime-cpu)…`);
    // mmdebstrap picks its output format from the name: keep the .tar suffix.
    const partial = tarball.replace(/\.tar$/, '.partial.tar');
    await rm(partial, { recursive: true, force: true });
    const [command, ...args] = bootstrapCommand(base, partial);
    const started = Date.now();
    await run(command!, args);
    renameSync(partial, tarball);
    log(`  base ${base} bootstrapped in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

/**
 * An exclusive lock file holding its owner's pid; a lock whose owner is gone is taken over.
 * Resolves with its release once held.
 */
async function bootstrapLock(lock: string, tarball: string): Promise<() => void> {
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch {
      let owner: number;
      try {
        owner = Number(readFileSync(lock, 'utf8').trim() || 0);
      } catch {
        continue; // released meanwhile
      }
      if (!owner || !processAlive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      await new Promise((done) => setTimeout(done, existsSync(tarball) ? 200 : 2000));
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    // stdin closed: without a mirror argument mmdebstrap would read sources from it.
    const child = spawn('nice', ['-n', '10', command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    child.once('error', fail);
    child.once('close', (code) => (code === 0 ? done() : fail(new Error(`${command} exited ${code}: ${stderr.trim()}`))));
  });
}
