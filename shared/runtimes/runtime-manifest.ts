import type { PhaseRuntime } from '../challenge/definition-schema.ts';
import { notFound } from '../errors.ts';
import { phaseRuntimeImage } from './runtime-image.ts';

export interface RuntimePackage {
  name: string;
  version: string;
}

/** What a phase's submissions run in, as competitors see it: image, Python and every package. */
export interface RuntimeManifest {
  challengeId: string;
  phaseId: string;
  /** `podium/<name>:<version>`, `dockerfile:<path>` or the organiser's image URI. */
  image: string;
  kind: 'podium' | 'dockerfile' | 'uri';
  description?: string;
  /** The image a Podium runtime starts from. */
  base?: string;
  python?: string;
  cuda?: string;
  /** From the runtime's lockfile; empty for an organiser's image (its organiser documents it). */
  packages: RuntimePackage[];
  /** The CI variant built from Debian's packages, which local container runs and CI use. */
  ciVariant?: { description: string; debianSuite: string; python: string; packages: RuntimePackage[] };
}

const listed = (packages: Record<string, string>): RuntimePackage[] =>
  Object.entries(packages)
    .map(([name, version]) => ({ name, version }))
    .sort((a, b) => a.name.localeCompare(b.name));

/** The manifest of a phase's runtime, or NOT_FOUND for an unknown phase. */
export function runtimeManifest(
  challenge: { id: string; phases: { id: string; runtime: Pick<PhaseRuntime, 'image' | 'gpus'> }[] },
  phaseId: string,
): RuntimeManifest {
  const phase = challenge.phases.find((candidate) => candidate.id === phaseId);
  if (!phase) throw notFound(`phase "${phaseId}" of ${challenge.id}`);
  const image = phaseRuntimeImage(phase.runtime);
  const head = { challengeId: challenge.id, phaseId, image: image.reference, kind: image.kind };
  if (image.kind !== 'podium') return { ...head, packages: [] };
  const { lock, ci } = image.runtime;
  return {
    ...head,
    description: lock.description,
    base: lock.base,
    python: lock.python,
    ...(lock.cuda ? { cuda: lock.cuda } : {}),
    packages: listed(lock.packages),
    ...(ci ? { ciVariant: { description: ci.description, debianSuite: ci.debianSuite, python: ci.python, packages: listed(ci.packages) } } : {}),
  };
}
