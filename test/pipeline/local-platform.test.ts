import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { isSettled, submitArchive, waitFor, zipFolder } from './support/submissions.ts';

/**
 * `npm start`'s wiring itself, not a test harness: the platform seeds the examples, and an archive
 * PUT to the submissions bucket reaches SCORED and the leaderboard through s3rver's event, the
 * upload handler, the local job runner and both jobs, with no call from the test in between.
 */
let platform: LocalPlatform;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'podium-platform-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir }, reconcileIntervalMs: 0 });
}, 120_000);

afterAll(async () => {
  await platform?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the local platform (npm start)', () => {
  it('takes a PUT archive of the TissueNet baseline to SCORED and onto the leaderboard with no manual step', async () => {
    const challenge = platform.challenges.find((c) => c.id === 'tissuenet')!;
    const archive = await zipFolder('examples/tissuenet/baseline');
    const id = await submitArchive(platform.ctx, challenge, archive, { teamId: 'team-platform' });
    const scored = await waitFor(platform.ctx, id, isSettled);
    expect(scored).toMatchObject({ status: 'SCORED', attempt: 1, archiveBytes: archive.length, scores: { public: expect.any(Number) } });
    const board = await readLeaderboard(platform.ctx, challenge, 'learning', 'public');
    expect(board.entries).toEqual([expect.objectContaining({ rank: 1, teamId: 'team-platform', submissionId: id, score: scored.scores!.public })]);
  });
});
