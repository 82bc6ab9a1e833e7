import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTER } from '#shared/submissions/quota.ts';
import { generate } from '../../examples/tissuenet/generate-data.ts';
import { startPipelineHarness, type PipelineHarness } from '../pipeline/support/pipeline-harness.ts';
import { isSettled, submitArchive, waitFor, zipFolder } from '../pipeline/support/submissions.ts';

/**
 * A host where bubblewrap cannot start (here a `bwrap` on PATH that fails as a kernel without
 * unprivileged user namespaces makes it): the run is a platform fault, retried and never charged,
 * whose PLATFORM_ERROR says what to install; the code never runs with weaker isolation.
 */
const EXAMPLE = 'examples/tissuenet';
const originalPath = process.env.PATH;
let harness: PipelineHarness;

beforeAll(async () => {
  const fakeBin = await mkdtemp(join(tmpdir(), 'podium-no-bwrap-'));
  await chmod(fakeBin, 0o755);
  await writeFile(join(fakeBin, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n', { mode: 0o755 });
  // The job processes inherit it: their probe and their runs find this bwrap first.
  process.env.PATH = `${fakeBin}:${originalPath}`;
  harness = await startPipelineHarness({
    exampleDir: EXAMPLE,
    generate,
    learning: (phase) => ({
      ...phase,
      quota: { ...phase.quota, perDay: 100, concurrent: 20 },
      runtime: { ...phase.runtime, timeLimitSeconds: 30, memoryMiB: 1024, gpus: 0 },
    }),
  });
}, 120_000);

afterAll(async () => {
  process.env.PATH = originalPath;
  await harness?.close();
});

describe('a host whose sandbox cannot start', () => {
  it('ends the run PLATFORM_ERROR, saying what to install, and charges nothing', async () => {
    const { ctx, challenge } = harness;
    const id = await submitArchive(ctx, challenge, await zipFolder(join(EXAMPLE, 'baseline')), { teamId: 'team-no-sandbox' });
    const submission = await waitFor(ctx, id, isSettled, 120_000);
    expect(submission).toMatchObject({ status: 'FAILED', attempt: 3, failure: { reason: 'PLATFORM_ERROR' } });
    expect(submission.failure!.message).toMatch(
      /no sandbox could start on the job's host: install bubblewrap \(apt-get install bubblewrap\).*user namespaces.*root/,
    );
    expect(submission.failure!.message).toMatch(/not counted against your quota/);
    await expect.poll(() => harness.quotaCount('team-no-sandbox', COUNTER.total)).toBe(0);
    await expect.poll(() => harness.quotaCount('team-no-sandbox', COUNTER.running)).toBe(0);
  }, 150_000);
});
