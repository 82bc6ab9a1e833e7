import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { PodiumError } from '#shared/errors.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { putLabels, putTeam, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { startApi, tissuenet } from './api-harness.ts';

let fixture: StorageFixture;
beforeAll(async () => {
  fixture = await startStorageFixture();
});
afterAll(() => fixture.close());

/** The CHALLENGE_INVALID message loading a copy of TissueNet gives once `change` edited the copy. */
async function loadRefusal(change: (dir: string) => Promise<void>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podium-pages-'));
  await cp('examples/tissuenet', dir, { recursive: true });
  await change(dir);
  const error = await loadChallenge(dir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PodiumError);
  return (error as PodiumError).message;
}

const editYaml = async (dir: string, from: string, to: string) => {
  const { readFile } = await import('node:fs/promises');
  const yaml = await readFile(join(dir, 'challenge.yaml'), 'utf8');
  expect(yaml).toContain(from);
  await writeFile(join(dir, 'challenge.yaml'), yaml.replace(from, to));
};

describe('challenge pages', () => {
  it('serves the overview, data, evaluation and submission-format pages with the challenge', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const challenge = (await (await api.call('GET', '/challenges/tissuenet')).json()) as { pages: Record<string, string>; description: string };
    expect(Object.keys(challenge.pages).sort()).toEqual(['data', 'evaluation', 'overview', 'submissionFormat']);
    expect(challenge.pages.overview).toBe(challenge.description);
    expect(challenge.pages.evaluation).toContain('score = 1 − (1/N)');
    expect(challenge.pages.data).toContain('high-grade squamous intraepithelial lesion');
    expect(challenge.pages.submissionFormat).toContain('filename,0,1,2,3');
  });

  it('names the page field for a missing file, an oversized page, a page outside the folder, or no overview', async () => {
    expect(await loadRefusal((dir) => editYaml(dir, 'data: pages/data.md', 'data: pages/nope.md'))).toContain(
      'pages.data: file pages/nope.md could not be read',
    );
    const huge = await loadRefusal((dir) => writeFile(join(dir, 'pages/evaluation.md'), 'x'.repeat(70_000)));
    expect(huge).toContain('pages.evaluation: file pages/evaluation.md is 70000 bytes; a page may have at most 65536');
    const outside = await loadRefusal((dir) => editYaml(dir, 'evaluation: pages/evaluation.md', 'evaluation: ../../etc/passwd'));
    expect(outside).toContain('pages.evaluation: must stay inside the challenge folder');
    expect(await loadRefusal((dir) => editYaml(dir, '  overview: pages/overview.md\n', ''))).toContain('pages.overview: is required');
  });

  it('refuses a select question without options and a repeated question id', async () => {
    const noOptions = await loadRefusal((dir) =>
      editYaml(dir, 'kind: select, required: false, options: [Pathologist, Clinician, Researcher, Student, Engineer, Other]', 'kind: select'),
    );
    expect(noOptions).toContain('registration.questions[2].options: is required for a select question');
    const twice = await loadRefusal((dir) => editYaml(dir, '{ id: country,', '{ id: affiliation,'));
    expect(twice).toContain('registration.questions[1].id: duplicates question "affiliation"');
  });
});

describe('registration questions', () => {
  it('refuses a join with a missing, unknown or malformed answer and registers nothing; stores valid answers for organisers and their export', async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const rulesVersion = ((await (await api.call('GET', '/challenges/tissuenet/rules')).json()) as { version: string }).version;
    const ada = await api.login('ada@example.org');
    const join = (answers: unknown) => api.call('POST', '/challenges/tissuenet/registration', ada, { rulesVersion, answers });
    const good = { affiliation: '=HYPERLINK("http://evil")', country: "Côte d'Ivoire", role: 'Pathologist', 'data-use': true };

    const refusals: [unknown, string][] = [
      [{ ...good, 'data-use': false }, 'answers.data-use is required: I accept the data-use agreement'],
      [{ ...good, affiliation: undefined }, 'answers.affiliation is required'],
      [{ ...good, role: 'Surgeon' }, 'answers.role must be one of: Pathologist, Clinician'],
      [{ ...good, affiliation: 'Curie\u202eeiruC' }, 'answers.affiliation must not contain control or text-direction characters'],
      [{ ...good, affiliation: 'Curie\u0007' }, 'answers.affiliation must not contain control'],
      [{ ...good, affiliation: 'x'.repeat(201) }, 'answers.affiliation must be at most 200 characters'],
      [{ ...good, country: '12345' }, 'answers.country must be a country name'],
      [{ ...good, 'data-use': 'yes' }, 'answers.data-use must be true or false'],
      [{ ...good, favourite: 'cats' }, 'answers.favourite is not a question of this challenge'],
    ];
    for (const [answers, message] of refusals) {
      const refused = await join(answers);
      expect(refused.status, message).toBe(400);
      const body = (await refused.json()) as { error: string; message: string };
      expect(body.error).toBe('VALIDATION_FAILED');
      expect(body.message).toContain(message);
    }
    expect((await api.call('GET', '/challenges/tissuenet/registration', ada)).status).toBe(404);

    const joined = await join({ ...good, affiliation: '  =HYPERLINK("http://evil")  ' });
    expect(joined.status).toBe(200);
    const organiser = await api.login('org@example.org', 'organiser');
    const listed = (await (await api.call('GET', '/admin/challenges/tissuenet/participants', organiser)).json()) as {
      participants: { email: string; answers?: Record<string, unknown> }[];
    };
    expect(listed.participants.find((participant) => participant.email === 'ada@example.org')?.answers).toEqual(good);
    const csv = await (await api.call('GET', '/admin/challenges/tissuenet/exports/participants.csv', organiser)).text();
    const [header, row] = csv.trim().split('\r\n');
    expect(header).toBe('userId,email,status,registeredAt,acceptedRulesVersion,teamId,affiliation,country,role,data-use');
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")",Côte d'Ivoire,Pathologist,true`);
    const pseudonymised = JSON.stringify(await (await api.call('GET', '/admin/challenges/tissuenet/archive?pseudonymise=true', organiser)).json());
    expect(pseudonymised).not.toContain('HYPERLINK');
  });
});

describe('leaderboard history', () => {
  it("shows each submission that improved a team's public score, never one that did not, and nothing of a board awaiting publication", async () => {
    const api = await startApi(fixture, [await tissuenet()]);
    const truth = [0, 1, 2, 3, 0, 1, 2, 3];
    const labels = tissuenetLabels(truth);
    await putLabels(api.ctx, 'tissuenet', 'test', labels.csv);
    await putTeam(api.ctx, 'tissuenet', 't-ada', { name: 'Ada' });
    const scored = async (id: string, classes: number[]) => {
      api.clock.advance(60_000);
      await submissionInScoring(api.ctx, {
        id,
        challengeId: 'tissuenet',
        phaseId: 'learning',
        teamId: 't-ada',
        predictions: tissuenetPredictions(labels.ids, classes),
      });
      expect(await runScoringJob(api.ctx, id, 1)).toMatchObject({ outcome: 'scored' });
    };
    await scored('s-1', [0, 0, 0, 0, 0, 0, 0, 0]); // public rows 0, 2, 4, 6: two right
    await scored('s-2', [3, 0, 0, 0, 3, 0, 0, 0]); // worse on the public rows: not shown
    await scored('s-3', [0, 0, 2, 0, 0, 0, 2, 0]); // all four public rows right

    const history = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard/history?teamId=t-ada')).json()) as {
      points: { submissionId: string; score: number }[];
    };
    expect(history.points.map((point) => point.submissionId)).toEqual(['s-1', 's-3']);
    expect(history.points.at(-1)!.score).toBe(1);
    const board = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard')).json()) as {
      entries: { teamId: string; score: number }[];
    };
    expect(board.entries.find((entry) => entry.teamId === 't-ada')?.score).toBe(history.points.at(-1)!.score);

    const unknown = (await (await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard/history?teamId=t-nobody')).json()) as {
      points: unknown[];
    };
    expect(unknown.points).toEqual([]);
    const competitor = await api.login('grace@example.org');
    const unpublished = await api.call('GET', '/challenges/tissuenet/phases/final/leaderboard/history?teamId=t-ada', competitor);
    expect(unpublished.status).toBe(404);
    expect((await api.call('GET', '/challenges/tissuenet/phases/learning/leaderboard/history')).status).toBe(400);
  });
});
