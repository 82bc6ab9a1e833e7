import cpu1 from '../../runtimes/cpu/1/runtime.lock.json' with { type: 'json' };
import cpu1Ci from '../../runtimes/cpu/1/ci.lock.json' with { type: 'json' };
import pytorchGpu1 from '../../runtimes/pytorch-gpu/1/runtime.lock.json' with { type: 'json' };

/**
 * Podium's runtimes: the competitor environments a phase can name as `podium/<name>:<version>`.
 * Each version is a folder under runtimes/ holding its Dockerfile and lockfile; a version never
 * changes once published (a new package or version is a new runtime version), so a phase that
 * pins one runs the same packages from its first submission to its last.
 */
export interface RuntimeLock {
  /** `podium/<name>:<version>`. */
  runtime: string;
  description: string;
  /** The image the runtime's Dockerfile starts from. */
  base: string;
  python: string;
  /** CUDA version of the PyTorch wheels; absent on CPU runtimes. */
  cuda?: string;
  /** Python distribution name → exact version. */
  packages: Record<string, string>;
}

/** The CI variant of a runtime: the same frameworks from Debian's packages, built where no Python package index is reachable. */
export interface RuntimeCiLock {
  runtime: string;
  description: string;
  debianSuite: string;
  python: string;
  packages: Record<string, string>;
}

export interface PodiumRuntime {
  name: string;
  version: number;
  /** Folder of its Dockerfile and lockfile, relative to the repository root. */
  folder: string;
  lock: RuntimeLock;
  ci?: RuntimeCiLock;
}

const runtime = (lock: RuntimeLock, ci?: RuntimeCiLock): PodiumRuntime => {
  const [, name, version] = /^podium\/([a-z0-9-]+):(\d+)$/.exec(lock.runtime)!;
  return { name: name!, version: Number(version), folder: `runtimes/${name}/${version}`, lock, ...(ci ? { ci } : {}) };
};

export const PODIUM_RUNTIMES: readonly PodiumRuntime[] = [runtime(cpu1, cpu1Ci), runtime(pytorchGpu1)];

export function findPodiumRuntime(name: string, version: number): PodiumRuntime | undefined {
  return PODIUM_RUNTIMES.find((candidate) => candidate.name === name && candidate.version === version);
}
