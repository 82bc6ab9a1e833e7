import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseChallengeYaml } from '#shared/challenge/load-challenge.ts';
import { PodiumError } from '#shared/errors.ts';

const tissuenetYaml = await readFile('examples/tissuenet/challenge.yaml', 'utf8');
const trainingBlock = /^ {4}training:\n(?: {6}.*\n)+/m;

function rejection(yaml: string): string {
  try {
    parseChallengeYaml(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(PodiumError);
    return (error as PodiumError).message;
  }
  throw new Error('the challenge file was accepted');
}

describe('training settings in challenge.yaml', () => {
  it('reads the learning phase training settings of the TissueNet demo, with defaults', () => {
    const challenge = parseChallengeYaml(tissuenetYaml);
    expect(challenge.phases[0]!.training).toEqual({
      gpus: 0,
      memoryMiB: 4096,
      timeLimitHours: 1,
      budgetGpuHoursPerTeam: 2,
      instancePricePerHourEur: 0.9,
      concurrentJobsPerTeam: 1,
    });
    expect(challenge.phases[1]!.training).toBeUndefined();
    expect(challenge.datasets.every((dataset) => dataset.download)).toBe(true);
  });

  it('names the training field that is wrong', () => {
    expect(rejection(tissuenetYaml.replace('timeLimitHours: 1', 'timeLimitHours: -1'))).toContain('phases[0].training.timeLimitHours');
    expect(rejection(tissuenetYaml.replace('budgetGpuHoursPerTeam: 2', 'budgetGpuHoursPerTeam: lots'))).toContain('phases[0].training.budgetGpuHoursPerTeam');
    expect(rejection(tissuenetYaml.replace(/^ *instancePricePerHourEur: 0.9\n/m, ''))).toContain('phases[0].training.instancePricePerHourEur');
    expect(rejection(tissuenetYaml.replace('concurrentJobsPerTeam: 1', 'concurrentJobsPerTeam: 1\n      spotInstances: true'))).toContain('phases[0].training');
  });

  it('refuses GPU training in a runtime without CUDA', () => {
    const message = rejection(tissuenetYaml.replace(/training:\n {6}gpus: 0/, 'training:\n      gpus: 1'));
    expect(message).toContain('phases[0].training.gpus: must be 0 with podium/cpu:1');
  });

  it('accepts download: false on a training dataset of a phase with training, and refuses it elsewhere', () => {
    const closed = tissuenetYaml.replace('{ id: train, kind: training,', '{ id: train, kind: training, download: false,');
    expect(parseChallengeYaml(closed).datasets[0]!.download).toBe(false);
    expect(rejection(closed.replace(trainingBlock, ''))).toContain('datasets[0].download: false needs a phase with `training`');
    const hidden = tissuenetYaml.replace('{ id: test, kind: hidden,', '{ id: test, kind: hidden, download: false,');
    expect(rejection(hidden)).toContain('datasets[2].download: is only allowed on training datasets');
  });
});
