import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLeaderboard } from '#shared/leaderboard/read-leaderboard.ts';
import { writeRunOutcome } from '#shared/pipeline/run-outcome.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { getSubmission, transitionSubmission } from '#shared/submissions/submission-record.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { putLabels, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { sampleAnswers, startApi, tissuenet, type ApiHarness } from './api-harness.ts';

const labels = tissuenetLabels([0, 1, 2, 3]);
const PERFECT = [0, 1, 2, 3];
const WORSE = [3, 0, 0, 0];

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await startStorageFixture();
});
afterAll(() => fixture.close());

type View = { id: string; teamId: string; status: string; note?: string; run?: Record<string, number>; organiserRun?: boolean };

async function setUp() {
  const challenge = await tissuenet();
  const api = await startApi(fixture, [challenge]);
  await putLabels(api.ctx, 'tissuenet', 'test', labels.csv);
  const alice = await api.competitor('alice@example.org');
  const bob = await api.competitor('bob@example.org');
  const organiser = await api.login('org@example.org', 'organiser');
  const rules = (await (await api.call('GET', '/challenges/tissuenet/rules')).json()) as { version: string };
  expect(
    (await api.call('POST', '/challenges/tissuenet/registration', organiser, { rulesVersion: rules.version, answers: sampleAnswers(challenge) })).status,
  ).toBe(200);
  return { api, alice, bob, organiser };
}

const create = async (api: ApiHarness, token: string, body: Record<string, unknown> = {}) => {
  const response = await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', token, { archiveBytes: 22, ...body });
  return { status: response.status, body: (await response.json()) as { submission: View } & Record<string, unknown> };
};

/** Takes a submission created through the API through the pipeline to a score (its archive uploaded, the launcher's outcome written). */
async function scoreThroughPipeline(
  api: ApiHarness,
  submission: View,
  classes: number[],
  usage?: { durationMs: number; peakMemoryMiB: number; gpuSeconds: number },
) {
  api.clock.advance(60_000);
  for (const to of ['UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'SCORING'] as const)
    expect(await transitionSubmission(api.ctx, submission.id, { to })).toBe(true);
  await api.ctx.s3.send(
    new PutObjectCommand({
      Bucket: api.ctx.config.predictionsBucket,
      Key: objectKeys.predictions(submission.id, 1),
      Body: tissuenetPredictions(labels.ids, classes),
    }),
  );
  await writeRunOutcome(api.ctx.s3, api.ctx.config.predictionsBucket, {
    result: 'predicted',
    submissionId: submission.id,
    attempt: 1,
    rows: 4,
    ...(usage ? { run: usage } : {}),
  });
  expect(await runScoringJob(api.ctx, submission.id, 1)).toMatchObject({ outcome: 'scored' });
}

const board = async (api: ApiHarness) =>
  ((await (await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard')).json()) as { entries: { submissionId: string; baseline?: boolean }[] })
    .entries;

describe('what a team sees of its own submissions', () => {
  it('shows the run time, peak memory and GPU-seconds of a scored run to its team and to organisers', async () => {
    const { api, alice, organiser } = await setUp();
    const { body } = await create(api, alice);
    const usage = { durationMs: 37_000, peakMemoryMiB: 1_412, gpuSeconds: 37 };
    await scoreThroughPipeline(api, body.submission, PERFECT, usage);
    expect(await (await api.call('GET', `/submissions/${body.submission.id}`, alice)).json()).toMatchObject({ status: 'SCORED', run: usage });
    expect(await (await api.call('GET', `/admin/submissions/${body.submission.id}`, organiser)).json()).toMatchObject({ run: usage });
  });

  it('keeps the note given at submit time, stripped of control and bidi characters, and refuses one over 500 characters', async () => {
    const { api, alice, bob, organiser } = await setUp();
    const { status, body } = await create(api, alice, { note: 'ResNet-50,\n5 folds \u202eevil\u202c \u001b[31mseed 3\u0007' });
    expect(status).toBe(201);
    const clean = 'ResNet-50, 5 folds evil seed 3';
    expect(body.submission.note).toBe(clean);
    expect(await (await api.call('GET', `/submissions/${body.submission.id}`, alice)).json()).toMatchObject({ note: clean });
    expect(await (await api.call('GET', `/admin/submissions/${body.submission.id}`, organiser)).json()).toMatchObject({ note: clean });
    const listed = (await (await api.call('GET', '/challenges/tissuenet/submissions', alice)).json()) as { submissions: View[] };
    expect(listed.submissions.find((s) => s.id === body.submission.id)?.note).toBe(clean);

    const tooLong = await create(api, bob, { note: 'x'.repeat(501) });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body)).toContain('note');
    // Only invisible characters: no note at all.
    expect((await create(api, bob, { note: '\u200b\u202e ' })).body.submission).not.toHaveProperty('note');
  });

  it('lets the team download its own archive through a short-lived link; another team and a missing archive are 404', async () => {
    const { api, alice, bob } = await setUp();
    const { body } = await create(api, alice);
    const id = body.submission.id;
    expect(await (await api.call('GET', `/submissions/${id}/archive`, alice)).json()).toMatchObject({ error: 'NOT_FOUND' });

    const archive = Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18), 'binary');
    const submission = await getSubmission(api.ctx, id);
    await api.ctx.s3.send(new PutObjectCommand({ Bucket: api.ctx.config.submissionsBucket, Key: submission.archiveKey, Body: archive }));
    await transitionSubmission(api.ctx, id, { to: 'UPLOADED', set: { archiveBytes: archive.length } });

    const link = await api.call('GET', `/submissions/${id}/archive`, alice);
    expect(link.status).toBe(200);
    const download = (await link.json()) as { url: string; expiresAt: string; bytes: number; fileName: string };
    expect(download).toMatchObject({ bytes: archive.length, fileName: `${id}.zip` });
    expect(Date.parse(download.expiresAt) - api.clock.now().getTime()).toBeLessThanOrEqual(15 * 60 * 1000);
    const fetched = await fetch(download.url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(archive)).toBe(true);

    const other = await api.call('GET', `/submissions/${id}/archive`, bob);
    expect(other.status).toBe(404);
    expect(JSON.stringify(await other.json())).not.toContain('url');
  });
});

describe("organisers' test runs", () => {
  it('stay off the board, public and private, unless marked baseline; marking puts one on, unmarking takes it off', async () => {
    const { api, alice, organiser } = await setUp();
    const team = await create(api, alice);
    await scoreThroughPipeline(api, team.body.submission, WORSE);
    const test = await create(api, organiser);
    expect(test.status).toBe(201);
    await scoreThroughPipeline(api, test.body.submission, PERFECT);
    const testId = test.body.submission.id;
    expect(await (await api.call('GET', `/admin/submissions/${testId}`, organiser)).json()).toMatchObject({ status: 'SCORED', organiserRun: true });

    expect((await board(api)).map((entry) => entry.submissionId)).toEqual([team.body.submission.id]);
    const challenge = await tissuenet();
    expect((await readLeaderboard(api.ctx, challenge, 'learning', 'private')).entries.map((entry) => entry.submissionId)).toEqual([team.body.submission.id]);

    expect((await api.call('POST', `/admin/submissions/${testId}/baseline`, organiser, { baseline: true })).status).toBe(200);
    expect(await board(api)).toMatchObject([{ submissionId: testId, baseline: true }, { submissionId: team.body.submission.id }]);
    expect((await readLeaderboard(api.ctx, challenge, 'learning', 'private')).entries.map((entry) => entry.submissionId)).toEqual([
      testId,
      team.body.submission.id,
    ]);

    expect((await api.call('POST', `/admin/submissions/${testId}/baseline`, organiser, { baseline: false })).status).toBe(200);
    expect((await board(api)).map((entry) => entry.submissionId)).toEqual([team.body.submission.id]);
  });
});
