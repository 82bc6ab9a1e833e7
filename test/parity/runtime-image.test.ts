import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import ciLock from '../../runtimes/cpu/1/ci.lock.json' with { type: 'json' };
import { ensureBaseImage } from '../../local/parity/base-images.ts';
import { podman, podmanAvailable } from '../../local/job-runner/podman.ts';

/**
 * podium/cpu:1's CI variant, bootstrapped from Debian's packages as CI builds it: its import test
 * (runtimes/test_packages.py, as DrivenData's runtime repositories have one) runs inside the image
 * and imports every package of runtimes/cpu/1/ci.lock.json at its locked version.
 * Skipped only where podman is absent; CI installs it (scripts/setup-system.sh).
 */
const available = podmanAvailable();
const title = available ? "podium/cpu:1's CI variant" : "podium/cpu:1's CI variant (SKIPPED: podman is not installed; scripts/setup-system.sh installs it)";
const REPO = resolve(import.meta.dirname, '../..');

describe.skipIf(!available)(title, () => {
  it('imports every package of its lockfile at the locked version, with no network', async () => {
    const cacheDir = process.env.PODIUM_IMAGE_CACHE ?? resolve(REPO, '.data/image-cache');
    const image = await ensureBaseImage('runtime-cpu', cacheDir, () => {});
    const output = await podman([
      'run',
      '--rm',
      '--network=none',
      '--read-only',
      `--mount=type=bind,source=${resolve(REPO, 'runtimes')},destination=/runtimes,readonly`,
      image,
      'python3',
      '/runtimes/test_packages.py',
      '/runtimes/cpu/1/ci.lock.json',
    ]);
    const count = Object.keys(ciLock.packages).length;
    expect(output).toContain(`${count} of ${count} packages import at their locked version`);
    expect(output).toContain(`ok torch==${ciLock.packages.torch}`);
  }, 1_800_000);

  it('fails, naming the package, when the lockfile asks for another version', async () => {
    const cacheDir = process.env.PODIUM_IMAGE_CACHE ?? resolve(REPO, '.data/image-cache');
    const image = await ensureBaseImage('runtime-cpu', cacheDir, () => {});
    const wrong = JSON.stringify({ ...ciLock, packages: { ...ciLock.packages, numpy: '0.0.1' } });
    const script =
      `import json, subprocess, sys; open('/tmp/lock.json', 'w').write(sys.stdin.read()); ` +
      `sys.exit(subprocess.call([sys.executable, '/runtimes/test_packages.py', '/tmp/lock.json']))`;
    const failure = await podman(
      [
        'run',
        '--rm',
        '-i',
        '--network=none',
        `--mount=type=bind,source=${resolve(REPO, 'runtimes')},destination=/runtimes,readonly`,
        image,
        'python3',
        '-c',
        script,
      ],
      { input: wrong },
    ).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toContain('FAIL numpy: 1.24.2, the lockfile says 0.0.1');
  }, 600_000);
});
