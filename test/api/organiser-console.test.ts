import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transitionSubmission } from '#shared/submissions/submission-record.ts';
import type { SubmissionStatus } from '#shared/submissions/submission-status.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { startApi, tissuenet, type ApiHarness } from './api-harness.ts';

// What the organiser console reads beyond the participants: the teams a page at a time, and the pipeline's health.
let fixture: StorageFixture;
let api: ApiHarness;
let organiser: string;
const submissionOf: Record<string, string> = {};

beforeAll(async () => {
  fixture = await startStorageFixture();
  api = await startApi(fixture, [await tissuenet()]);
  organiser = await api.login('org@chu-example.fr', 'organiser');
  for (const name of ['queued', 'running', 'failed', 'scored']) {
    const token = await api.competitor(`${name}@example.org`);
    const created = (await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', token, { archiveBytes: 100 })).json()) as {
      submission: { id: string };
    };
    submissionOf[name] = created.submission.id;
  }
  const walk = async (name: string, steps: SubmissionStatus[], set = {}) => {
    for (const to of steps) expect(await transitionSubmission(api.ctx, submissionOf[name]!, { to, ...(to === steps.at(-1) ? { set } : {}) })).toBe(true);
  };
  await walk('queued', ['UPLOADED', 'VALIDATED', 'QUEUED']);
  await walk('running', ['UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING']);
  await walk('failed', ['UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'FAILED'], {
    failure: { reason: 'TIMEOUT', message: 'ran past the limit' },
    run: { durationMs: 3_600_000, peakMemoryMiB: 10, gpuSeconds: 3600 },
  });
  await walk('scored', ['UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'SCORING', 'SCORED'], {
    run: { durationMs: 1_800_000, peakMemoryMiB: 10, gpuSeconds: 1800 },
  });
}, 60_000);
afterAll(async () => {
  await fixture.close();
});

describe('the organiser console’s reads', () => {
  it('pages through the teams with an opaque cursor, shows who is disqualified, and refuses a forged cursor naming it', async () => {
    const teams = await api.call('GET', '/admin/challenges/tissuenet/teams?limit=3', organiser);
    const first = (await teams.json()) as { teams: { teamId: string; members: string[]; disqualified: boolean; submissions: number }[]; nextCursor?: string };
    expect(first.teams).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(JSON.stringify(first)).not.toContain('inviteCode');
    await api.call('POST', `/admin/challenges/tissuenet/teams/${first.teams[0]!.teamId}/disqualify`, organiser, { reason: 'shared accounts' });
    const rest = (await (await api.call('GET', `/admin/challenges/tissuenet/teams?limit=3&cursor=${first.nextCursor}`, organiser)).json()) as typeof first;
    expect(rest.teams).toHaveLength(1);
    expect(rest.nextCursor).toBeUndefined();
    expect(new Set([...first.teams, ...rest.teams].map((team) => team.teamId)).size).toBe(4);
    // Each of the four competitors made one submission, whatever became of it.
    expect([...first.teams, ...rest.teams].map((team) => team.submissions)).toEqual([1, 1, 1, 1]);
    const again = (await (await api.call('GET', '/admin/challenges/tissuenet/teams?limit=1', organiser)).json()) as {
      teams: { disqualified: boolean; disqualifiedReason?: string }[];
    };
    expect(again.teams[0]).toMatchObject({ disqualified: true, disqualifiedReason: 'shared accounts' });

    const forged = await api.call('GET', '/admin/challenges/tissuenet/teams?cursor=bm90LWEtY3Vyc29y', organiser);
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: { issues: [{ field: 'query.cursor' }] } });
    const otherListing = Buffer.from(JSON.stringify({ pk: 'USER#x', sk: 'TEAM#y' })).toString('base64url');
    expect((await api.call('GET', `/admin/challenges/tissuenet/teams?cursor=${otherListing}`, organiser)).status).toBe(400);
  });

  it('counts the queue, the runs in flight, failures by reason and the GPU-hours per phase', async () => {
    const health = (await (await api.call('GET', '/admin/challenges/tissuenet/health', organiser)).json()) as { phases: Record<string, unknown>[] };
    expect(health.phases.find((phase) => phase.phaseId === 'learning')).toEqual({
      phaseId: 'learning',
      submissions: 4,
      queueDepth: 1,
      runsInFlight: 1,
      scored: 1,
      failed: 1,
      failureRate: 0.5,
      failuresByReason: { TIMEOUT: 1 },
      inferenceGpuHours: 1.5,
      trainingGpuHours: 0,
    });
    expect(health.phases.find((phase) => phase.phaseId === 'final')).toMatchObject({ submissions: 0, failureRate: null });
  });

  it('pages the submissions with a cursor across phases and filters, and refuses a cursor of another listing naming it', async () => {
    type Page = { submissions: { id: string; status: string }[]; nextCursor?: string };
    const pageOf = async (query: string) => (await (await api.call('GET', `/admin/challenges/tissuenet/submissions?${query}`, organiser)).json()) as Page;
    const seen: string[] = [];
    let page = await pageOf('limit=3');
    seen.push(...page.submissions.map((s) => s.id));
    expect(page.submissions).toHaveLength(3);
    page = await pageOf(`limit=3&cursor=${page.nextCursor}`);
    seen.push(...page.submissions.map((s) => s.id));
    expect(page.nextCursor).toBeUndefined();
    expect(seen.sort()).toEqual(Object.values(submissionOf).sort());

    // Newest first, a page at a time: the same submissions in the reverse order.
    const oldestFirst = (await pageOf('limit=10')).submissions.map((s) => s.id);
    const first = await pageOf('order=newest&limit=2');
    const second = await pageOf(`order=newest&limit=2&cursor=${first.nextCursor}`);
    expect([...first.submissions, ...second.submissions].map((s) => s.id)).toEqual(oldestFirst.reverse());

    const failed = await pageOf('status=FAILED&limit=1');
    expect(failed.submissions.map((s) => s.id)).toEqual([submissionOf.failed]);
    const unfiltered = await pageOf('limit=1');
    const refused = await api.call('GET', `/admin/challenges/tissuenet/submissions?phase=final&cursor=${unfiltered.nextCursor}`, organiser);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'VALIDATION_FAILED', details: { issues: [{ field: 'query.cursor' }] } });
    expect((await api.call('GET', '/admin/challenges/tissuenet/submissions?cursor=%%%', organiser)).status).toBe(400);
  });
});
