import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { isSettled, submitArchive, waitFor, zipFolder } from '../pipeline/support/submissions.ts';

/**
 * Runs that try to take the machine down, through `npm start`'s platform with the demo challenges:
 * many processes that together pass the phase's memory limit, and a fork bomb. Each ends in its
 * documented state and the stack keeps serving: /health answers and the baseline still scores.
 */
let platform: LocalPlatform;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'podium-abuse-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir }, reconcileIntervalMs: 0 });
}, 120_000);

afterAll(async () => {
  await platform?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const tissuenet = () => platform.challenges.find((challenge) => challenge.id === 'tissuenet')!;

async function run(folder: string, teamId: string) {
  const id = await submitArchive(platform.ctx, tissuenet(), await zipFolder(folder), { teamId });
  return waitFor(platform.ctx, id, isSettled, 180_000);
}

async function health(): Promise<string> {
  return ((await (await fetch(`${platform.apiUrl}/health`)).json()) as { status: string }).status;
}

describe('runs that try to take the local stack down', () => {
  it('stops three processes that together hold more than the phase’s 4 GiB: OUT_OF_MEMORY, and the stack answers', async () => {
    const submission = await run('examples/tissuenet/submissions/memory-hog', 'team-memory');
    expect(submission).toMatchObject({ status: 'FAILED', failure: { reason: 'OUT_OF_MEMORY' } });
    expect(submission.failure!.message).toContain('4096 MiB');
    expect(await health()).toBe('ok');
  }, 200_000);

  it('contains a fork bomb: the run fails, the stack answers and still scores the next submission', async () => {
    const bomb = await run('examples/tissuenet/submissions/fork-bomb', 'team-fork');
    expect(bomb).toMatchObject({ status: 'FAILED', failure: { reason: 'USER_ERROR' } });
    expect(await health()).toBe('ok');
    const baseline = await run('examples/tissuenet/baseline', 'team-after');
    expect(baseline.status).toBe('SCORED');
  }, 300_000);
});
