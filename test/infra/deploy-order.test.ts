import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesisePodium } from './podium-app.ts';

const REPO = resolve(import.meta.dirname, '../..');

/** `npm run deploy -- --dry-run …` as a user runs it: the commands it would run, one a line. */
async function dryRun(args: string[]): Promise<{ code: number; commands: string[]; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/deploy.ts', '--dry-run', ...args], { cwd: REPO });
    return { code: 0, commands: stdout.trim().split('\n'), stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, commands: [], stderr: failed.stderr };
  }
}

let synthesised: Map<string, Stack>;

beforeAll(async () => {
  const podium = await synthesisePodium('examples/tissuenet');
  const stacks = [podium.stacks.data, podium.stacks.platform, ...podium.stacks.phases.values()];
  synthesised = new Map(stacks.map((stack) => [stack.stackName, stack]));
}, 120_000);

/** The stacks the commands deploy, checked to be `cdk deploy` of the tissuenet folder. */
function deployedStacks(commands: string[]): string[] {
  return commands.map((command) => {
    const match = /^npx cdk deploy -c challenge=examples\/tissuenet (\S+)$/.exec(command);
    expect(match, command).not.toBeNull();
    return match![1]!;
  });
}

describe('npm run deploy', () => {
  it('deploys data, then the platform, then the open phase: stacks of the synthesized app, each after the stacks it depends on', async () => {
    const run = await dryRun(['--challenge', 'examples/tissuenet', '--at', '2026-06-01T00:00:00Z']);
    expect(run.code, run.stderr).toBe(0);
    const order = deployedStacks(run.commands);
    expect(order).toEqual(['tissuenet-data', 'tissuenet-platform', 'tissuenet-learning']);
    for (const [index, name] of order.entries()) {
      const stack = synthesised.get(name);
      expect(stack, `${name} is not a stack of the synthesized app`).toBeDefined();
      for (const dependency of stack!.dependencies) expect(order.indexOf(dependency.stackName), `${dependency.stackName} before ${name}`).toBeLessThan(index);
    }
    expect(run.stderr).toContain('phase final left out (opens at 2027-03-01T00:00:00Z; deploy it the day before)');
  });

  it('adds the final phase the day before it opens, and leaves a closed phase out', async () => {
    expect(deployedStacks((await dryRun(['--at', '2027-02-28T12:00:00Z'])).commands)).toEqual([
      'tissuenet-data',
      'tissuenet-platform',
      'tissuenet-learning',
      'tissuenet-final',
    ]);
    const late = await dryRun(['--at', '2027-03-02T00:00:00Z']);
    expect(deployedStacks(late.commands)).toEqual(['tissuenet-data', 'tissuenet-platform', 'tissuenet-final']);
    expect(late.stderr).toContain('phase learning left out (closed at 2027-03-01T00:00:00Z)');
  });

  it('deploys the phases asked for, and refuses one the challenge does not have, naming those it has', async () => {
    const asked = await dryRun(['--phase', 'final', '--at', '2026-06-01T00:00:00Z']);
    expect(deployedStacks(asked.commands)).toEqual(['tissuenet-data', 'tissuenet-platform', 'tissuenet-final']);
    expect([...synthesised.keys()].sort()).toEqual(['tissuenet-data', 'tissuenet-final', 'tissuenet-learning', 'tissuenet-platform']);
    const unknown = await dryRun(['--phase', 'warmup']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('phase "warmup" was not found in challenge tissuenet (its phases: learning, final)');
  });
});
