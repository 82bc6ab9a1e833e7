import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseChallengeYaml } from '#shared/challenge/load-challenge.ts';
import { PodiumError } from '#shared/errors.ts';
import { phaseRuntimeImage } from '#shared/runtimes/runtime-image.ts';

const tissuenetYaml = await readFile('examples/tissuenet/challenge.yaml', 'utf8');

/** TissueNet with the learning phase's `image:` line replaced (or removed, with `undefined`). */
const withLearningImage = (image: string | undefined, gpus = 0) =>
  tissuenetYaml
    .replace('      image: podium/cpu:1\n', image === undefined ? '' : `      image: ${image}\n`)
    .replace('      gpus: 0\n', `      gpus: ${gpus}\n`);

function rejection(yaml: string): string {
  try {
    parseChallengeYaml(yaml);
  } catch (error) {
    expect((error as PodiumError).code).toBe('CHALLENGE_INVALID');
    return (error as PodiumError).message;
  }
  throw new Error('the challenge file was accepted');
}

const learningImage = (yaml: string) => phaseRuntimeImage(parseChallengeYaml(yaml).phases[0]!.runtime);

describe('runtime.image', () => {
  it.each([
    ['podium/nope:1', 'names no Podium runtime; there are podium/cpu:1, podium/pytorch-gpu:1'],
    ['podium/cpu:2', 'names no Podium runtime'],
    ['nvidia/cuda:12', 'must be a Podium runtime'],
    ['{ dockerfile: ../elsewhere/Dockerfile }', 'must be a path inside the challenge folder'],
    ['{ dockerfile: /etc/Dockerfile }', 'must be a path inside the challenge folder'],
    ['{ uri: 123456789012.dkr.ecr.eu-west-3.amazonaws.com/runtime }', 'must be registry/repository:tag or registry/repository@sha256:<digest>'],
    ['{ uri: registry.example.org/runtime:3, dockerfile: Dockerfile }', 'phases[0].runtime.image'],
  ])('refuses %s, naming the field', (image, message) => {
    const text = rejection(withLearningImage(image));
    expect(text).toContain('phases[0].runtime.image');
    expect(text).toContain(message);
  });

  it('refuses the CPU runtime with a GPU, which would sit idle', () => {
    expect(rejection(withLearningImage('podium/cpu:1', 1))).toContain('phases[0].runtime.gpus: must be 0 with podium/cpu:1, which has no CUDA');
  });

  it('accepts a Podium runtime, an organiser Dockerfile and a tagged or digested image URI', () => {
    expect(learningImage(withLearningImage('podium/pytorch-gpu:1', 1))).toMatchObject({
      kind: 'podium',
      reference: 'podium/pytorch-gpu:1',
      runtime: { name: 'pytorch-gpu', version: 1 },
    });
    expect(learningImage(withLearningImage('{ dockerfile: runtime/Dockerfile }'))).toEqual({
      kind: 'dockerfile',
      reference: 'dockerfile:runtime/Dockerfile',
      dockerfile: 'runtime/Dockerfile',
    });
    const digest = `registry.example.org:5000/team/runtime@sha256:${'0'.repeat(64)}`;
    expect(learningImage(withLearningImage(`{ uri: "${digest}" }`))).toEqual({ kind: 'uri', reference: digest, uri: digest });
  });

  it('defaults to the GPU runtime for a phase with GPUs, else to the CPU one', () => {
    expect(learningImage(withLearningImage(undefined, 0)).reference).toBe('podium/cpu:1');
    expect(learningImage(withLearningImage(undefined, 2)).reference).toBe('podium/pytorch-gpu:1');
  });
});
