import { spawnSync } from 'node:child_process';
import type { RuntimeManifest } from '#shared/runtimes/runtime-manifest.ts';

// Prints this Python's version and the installed version (or null) of each distribution named on stdin.
const PROBE = `
import importlib.metadata, json, platform, sys
names = json.load(sys.stdin)
def version(name):
    for candidate in (name, name.replace("-", "_")):
        try:
            return importlib.metadata.version(candidate)
        except importlib.metadata.PackageNotFoundError:
            pass
    return None
print(json.dumps({"python": platform.python_version(), "packages": {name: version(name) for name in names}}))
`;

// Listed first when they differ: what a model's code imports, before their dependencies.
const FRAMEWORKS = [
  'torch',
  'torchvision',
  'timm',
  'numpy',
  'pandas',
  'scikit-learn',
  'scikit-image',
  'scipy',
  'opencv-python-headless',
  'pillow',
  'tifffile',
  'openslide-python',
  'pyvips',
  'lightgbm',
  'xgboost',
];
const rank = (name: string) => (FRAMEWORKS.includes(name) ? FRAMEWORKS.indexOf(name) : FRAMEWORKS.length);

/** A version without its local label: `2.5.1+cpu` and `2.5.1` are the same release. */
const release = (version: string) => version.split('+')[0]!;

/**
 * How the Python that runs a submission here differs from the phase's runtime: one line per
 * package missing or at another release, and one for the Python version. Empty when they agree
 * (or when the runtime lists no packages, an organiser's image).
 */
export function hostPackageDrift(python: string, manifest: RuntimeManifest): string[] {
  if (manifest.packages.length === 0) return [];
  const probe = spawnSync(python, ['-c', PROBE], { input: JSON.stringify(manifest.packages.map((p) => p.name)), encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) return [`${python} could not list its packages: ${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}`];
  const host = JSON.parse(probe.stdout) as { python: string; packages: Record<string, string | null> };
  const drift: string[] = [];
  if (manifest.python && release(host.python) !== release(manifest.python)) drift.push(`python ${host.python} here, ${manifest.python} in ${manifest.image}`);
  for (const { name, version } of [...manifest.packages].sort((a, b) => rank(a.name) - rank(b.name))) {
    const here = host.packages[name];
    if (!here) drift.push(`${name} missing here, ${version} in ${manifest.image}`);
    else if (release(here) !== release(version)) drift.push(`${name} ${here} here, ${version} in ${manifest.image}`);
  }
  return drift;
}
