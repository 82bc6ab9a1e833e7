import * as z from 'zod';
import { findPodiumRuntime, PODIUM_RUNTIMES, type PodiumRuntime } from './podium-runtimes.ts';

/**
 * `runtime.image` of a phase in challenge.yaml: the competitor environment its submissions run in.
 * Podium adds its launcher layer (Node and the bundled inference job) on top of any of them.
 *
 * @example
 * image: podium/pytorch-gpu:1                  # a Podium runtime, by name and version
 * image: { dockerfile: runtime/Dockerfile }     # the organiser's Dockerfile, in the challenge folder
 * image: { uri: 123456789012.dkr.ecr.eu-west-3.amazonaws.com/tissuenet-runtime:3 }
 */
const PODIUM_RUNTIME = /^podium\/([a-z0-9][a-z0-9-]*):([1-9][0-9]*)$/;

const known = PODIUM_RUNTIMES.map((runtime) => runtime.lock.runtime).join(', ');

const podiumRuntimeName = z
  .string()
  .regex(PODIUM_RUNTIME, `must be a Podium runtime (${known}), { dockerfile: <path in the challenge folder> } or { uri: <image> }`)
  .refine((reference) => {
    // Checks run on after a failed regex: a name of another shape has its issue already.
    const match = PODIUM_RUNTIME.exec(reference);
    return !match || findPodiumRuntime(match[1]!, Number(match[2])) !== undefined;
  }, `names no Podium runtime; there are ${known}`);

const organiserDockerfile = z
  .object({
    dockerfile: z
      .string()
      .min(1)
      .refine((path) => !path.startsWith('/') && !path.split('/').includes('..'), 'must be a path inside the challenge folder'),
  })
  .strict();

// A tag or a digest is required: `latest` by default would let the image change under an open phase.
const organiserImageUri = z
  .object({
    uri: z
      .string()
      .regex(
        /^[a-z0-9.-]+(?::\d+)?\/[a-z0-9._/-]+(?::[A-Za-z0-9._-]{1,128}|@sha256:[a-f0-9]{64})$/,
        'must be registry/repository:tag or registry/repository@sha256:<digest>',
      ),
  })
  .strict();

export const runtimeImageSchema = z.union([podiumRuntimeName, organiserDockerfile, organiserImageUri]);
export type RuntimeImageSetting = z.infer<typeof runtimeImageSchema>;

export type PhaseRuntimeImage =
  | { kind: 'podium'; reference: string; runtime: PodiumRuntime }
  | { kind: 'dockerfile'; reference: string; dockerfile: string }
  | { kind: 'uri'; reference: string; uri: string };

/** The runtime a phase that names none runs in: the GPU runtime when it asks for GPUs, else the CPU one. */
export function defaultRuntimeImage(gpus: number): string {
  return gpus > 0 ? 'podium/pytorch-gpu:1' : 'podium/cpu:1';
}

/**
 * What a phase's `runtime.image` names, with its default applied; `reference` is one string per
 * image (what the audit log and the runtime-change guard compare).
 */
export function phaseRuntimeImage(runtime: { image?: RuntimeImageSetting | undefined; gpus: number }): PhaseRuntimeImage {
  const setting = runtime.image ?? defaultRuntimeImage(runtime.gpus);
  if (typeof setting === 'string') {
    const [, name, version] = PODIUM_RUNTIME.exec(setting)!;
    return { kind: 'podium', reference: setting, runtime: findPodiumRuntime(name!, Number(version))! };
  }
  if ('dockerfile' in setting) return { kind: 'dockerfile', reference: `dockerfile:${setting.dockerfile}`, dockerfile: setting.dockerfile };
  return { kind: 'uri', reference: setting.uri, uri: setting.uri };
}
