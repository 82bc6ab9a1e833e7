import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '#shared/audit/audit-log.ts';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { cliUser, type CliRunner } from './run-cli.ts';

let platform: LocalPlatform;
let work: string;
let ada: CliRunner;
let grace: CliRunner;
let organiser: CliRunner;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-rerun-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir: join(work, 'platform') } });
  [ada, grace, organiser] = await Promise.all([cliUser(platform.apiUrl), cliUser(platform.apiUrl), cliUser(platform.apiUrl)]);
  for (const [user, email, role] of [
    [ada, 'ada@example.org', 'competitor'],
    [grace, 'grace@example.org', 'competitor'],
    [organiser, 'org@example.org', 'organiser'],
  ] as const) {
    expect((await user.run(['login', '--email', email, '--role', role])).code).toBe(0);
  }
  for (const user of [ada, grace]) expect((await user.run(['join', 'tissuenet', '--yes'])).code).toBe(0);
}, 180_000);

afterAll(async () => {
  await platform?.close();
  await rm(work, { recursive: true, force: true });
});

interface Rerun {
  rerunId: string;
  status: string;
  results: {
    teamId: string;
    verdict: string;
    predictions: { agreement: string; differingRows: number; rows: number };
    originalScore: number;
    rerunScore: number;
  }[];
}

describe('podium rerun through npm start', () => {
  it('reports a deterministic baseline identical and unseeded randomness different, exports the report, and changes no board or quota', async () => {
    const submit = async (user: CliRunner, folder: string) => {
      const run = await user.run(['--json', 'submit', folder, '--phase', 'learning', '--poll-interval', '0.5', '--timeout', '300']);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      return run.json<{ submission: { id: string; teamId: string; status: string } }>().submission;
    };
    const baseline = await submit(ada, 'examples/tissuenet/baseline');
    const random = await submit(grace, 'examples/tissuenet/submissions/unseeded-random');
    expect([baseline.status, random.status]).toEqual(['SCORED', 'SCORED']);

    const board = async () =>
      (await organiser.run(['--json', 'leaderboard', 'tissuenet', '--phase', 'learning', '--split', 'private'])).json<{ entries: unknown[] }>();
    // What was charged (nextAllowedAt is "now" while quota remains, so it is left out).
    const quota = async () => {
      const { nextAllowedAt: _now, ...charged } = (await ada.run(['--json', 'quota', 'tissuenet', '--phase', 'learning'])).json();
      return charged;
    };
    const [boardBefore, quotaBefore] = [await board(), await quota()];
    expect(boardBefore.entries).toHaveLength(2);

    // Competitors may not rerun anything.
    const refused = await ada.run(['--json', 'rerun', '--challenge', 'tissuenet', '--phase', 'learning', '--top', '2']);
    expect(refused.json()).toMatchObject({ error: 'FORBIDDEN' });

    const reportFile = join(work, 'reruns.csv');
    const rerun = await organiser.run([
      '--json',
      'rerun',
      '--challenge',
      'tissuenet',
      '--phase',
      'learning',
      '--top',
      '2',
      '--report',
      reportFile,
      '--poll-interval',
      '1',
      '--timeout',
      '600',
    ]);
    // Exit 1: one team is different.
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(1);
    const request = rerun.json<Rerun>();
    expect(request.status).toBe('SUCCEEDED');
    const byTeam = new Map(request.results.map((result) => [result.teamId, result]));
    expect(byTeam.get(baseline.teamId)).toMatchObject({ verdict: 'identical', predictions: { agreement: 'identical', differingRows: 0, rows: 200 } });
    expect(byTeam.get(baseline.teamId)!.rerunScore).toBe(byTeam.get(baseline.teamId)!.originalScore);
    expect(byTeam.get(random.teamId)).toMatchObject({ verdict: 'different', predictions: { agreement: 'different' } });
    expect(byTeam.get(random.teamId)!.predictions.differingRows).toBeGreaterThan(0);

    const report = await readFile(reportFile, 'utf8');
    const lines = report.trim().split('\r\n');
    expect(lines[0]).toMatch(
      /^rank,team_id,team_name,submission_id,verdict,predictions,differing_rows,rows,max_abs_difference,original_private_score,rerun_private_score/,
    );
    expect(lines.find((line) => line.includes(baseline.id))).toContain(',identical,identical,0,200,0,');
    expect(lines.find((line) => line.includes(random.id))).toContain(',different,different,');

    // Nothing moved: the board and the team's quota are as they were; the request is in the audit log.
    expect(await board()).toEqual(boardBefore);
    expect(await quota()).toEqual(quotaBefore);
    const audit = await listAudit(platform.ctx, 'tissuenet');
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'rerun.requested', details: expect.objectContaining({ rerunId: request.rerunId, top: 2 }) }),
    );

    const human = await organiser.run(['rerun', '--follow', request.rerunId]);
    expect(human.stdout).toContain('IDENTICAL: predictions identical, 0 of 200 rows differ');
    expect(human.stdout).toMatch(/DIFFERENT: predictions different, \d+ of 200 rows differ/);
  });
});
