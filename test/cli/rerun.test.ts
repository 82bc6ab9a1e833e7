import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '#shared/audit/audit-log.ts';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { cliUser, TISSUENET_ANSWERS, type CliRunner } from './run-cli.ts';

let platform: LocalPlatform;
let work: string;
let ada: CliRunner;
let grace: CliRunner;
let organiser: CliRunner;
/** The API's clock runs from the machine's, shifted by this much (npm start's PODIUM_NOW seam). */
let clockOffsetMs = 0;
// The demo's final phase: it opens when the learning phase closes.
const FINAL_OPENS = '2027-03-01T00:00:00Z';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-rerun-'));
  platform = await startLocalPlatform({
    persist: false,
    settings: { ...localSettings(), dataDir: join(work, 'platform') },
    clock: () => new Date(Date.now() + clockOffsetMs),
  });
  [ada, grace, organiser] = await Promise.all([cliUser(platform.apiUrl), cliUser(platform.apiUrl), cliUser(platform.apiUrl)]);
  for (const [user, email, role] of [
    [ada, 'ada@example.org', 'competitor'],
    [grace, 'grace@example.org', 'competitor'],
    [organiser, 'org@example.org', 'organiser'],
  ] as const) {
    expect((await user.run(['login', '--email', email, '--role', role])).code).toBe(0);
  }
  for (const user of [ada, grace]) expect((await user.run(['join', 'tissuenet', '--yes', ...TISSUENET_ANSWERS])).code).toBe(0);
}, 180_000);

afterAll(async () => {
  await platform?.close();
  await rm(work, { recursive: true, force: true });
});

interface Rerun {
  rerunId: string;
  status: string;
  appliedTeams?: string[];
  results: {
    teamId: string;
    verdict: string;
    predictions: { agreement: string; differingRows: number; rows: number };
    originalScore: number;
    rerunScore: number;
  }[];
}

interface Application {
  alreadyApplied: boolean;
  teams: { teamId: string; outcome: string; previousScore?: number; newScore?: number; reason?: string }[];
}

describe("podium rerun on the demo's final phase, through npm start", () => {
  it('reports a deterministic baseline identical and unseeded randomness different, changes nothing until applied, then applies once', async () => {
    const submit = async (user: CliRunner, folder: string, phase: string) => {
      const run = await user.run(['--json', 'submit', folder, '--phase', phase, '--poll-interval', '0.5', '--timeout', '300']);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      return run.json<{ submission: { id: string; teamId: string; status: string } }>().submission;
    };
    // The final phase takes teams with a scored learning submission: both score there first, today.
    for (const [user, folder] of [
      [ada, 'examples/tissuenet/baseline'],
      [grace, 'examples/tissuenet/submissions/unseeded-random'],
    ] as const) {
      expect((await submit(user, folder, 'learning')).status).toBe('SCORED');
    }
    const early = await ada.run(['--json', 'submit', 'examples/tissuenet/baseline', '--phase', 'final']);
    expect(early.json()).toMatchObject({ error: 'PHASE_NOT_OPEN', message: `phase final opens at ${FINAL_OPENS}` });

    // Then the final phase opens (the demo's own dates, unchanged), and each team makes its one final submission.
    clockOffsetMs = Date.parse(FINAL_OPENS) + 3_600_000 - Date.now();
    // Tokens minted before the jump have expired by the API's clock: everyone logs in again.
    for (const [user, email, role] of [
      [ada, 'ada@example.org', 'competitor'],
      [grace, 'grace@example.org', 'competitor'],
      [organiser, 'org@example.org', 'organiser'],
    ] as const) {
      expect((await user.run(['login', '--email', email, '--role', role])).code).toBe(0);
    }
    const baseline = await submit(ada, 'examples/tissuenet/baseline', 'final');
    const random = await submit(grace, 'examples/tissuenet/submissions/unseeded-random', 'final');
    expect([baseline.status, random.status]).toEqual(['SCORED', 'SCORED']);

    const board = async () =>
      (await organiser.run(['--json', 'leaderboard', 'tissuenet', '--phase', 'final'])).json<{ entries: { teamId: string; score: number }[] }>();
    // What was charged (nextAllowedAt is "now" while quota remains, so it is left out).
    const quota = async (user: CliRunner) => {
      const { nextAllowedAt: _now, ...charged } = (await user.run(['--json', 'quota', 'tissuenet', '--phase', 'final'])).json();
      return charged;
    };
    const [boardBefore, quotaBefore] = [await board(), await quota(grace)];
    expect(boardBefore.entries).toHaveLength(2);

    // Competitors may not rerun anything.
    const refused = await ada.run(['--json', 'rerun', '--challenge', 'tissuenet', '--phase', 'final', '--top', '2']);
    expect(refused.json()).toMatchObject({ error: 'FORBIDDEN' });

    const reportFile = join(work, 'reruns.csv');
    const rerunArgs = ['--challenge', 'tissuenet', '--phase', 'final', '--top', '2', '--report', reportFile, '--poll-interval', '1', '--timeout', '600'];
    const rerun = await organiser.run(['--json', 'rerun', ...rerunArgs]);
    // Exit 1: one team is different.
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(1);
    const request = rerun.json<Rerun>();
    expect(request.status).toBe('SUCCEEDED');
    const byTeam = new Map(request.results.map((result) => [result.teamId, result]));
    expect(byTeam.get(baseline.teamId)).toMatchObject({ verdict: 'identical', predictions: { agreement: 'identical', differingRows: 0, rows: 200 } });
    expect(byTeam.get(baseline.teamId)!.rerunScore).toBe(byTeam.get(baseline.teamId)!.originalScore);
    const randomResult = byTeam.get(random.teamId)!;
    expect(randomResult).toMatchObject({ verdict: 'different', predictions: { agreement: 'different' } });
    expect(randomResult.predictions.differingRows).toBeGreaterThan(0);

    const report = await readFile(reportFile, 'utf8');
    const lines = report.trim().split('\r\n');
    expect(lines[0]).toMatch(
      /^rank,team_id,team_name,submission_id,verdict,predictions,differing_rows,rows,max_abs_difference,original_overall_score,rerun_overall_score/,
    );
    expect(lines.find((line) => line.includes(baseline.id))).toContain(',identical,identical,0,200,0,');
    expect(lines.find((line) => line.includes(random.id))).toContain(',different,different,');

    // Nothing moved: the board and the team's quota are as they were; the request is in the audit log.
    expect(await board()).toEqual(boardBefore);
    expect(await quota(grace)).toEqual(quotaBefore);
    expect(await listAudit(platform.ctx, 'tissuenet')).toContainEqual(
      expect.objectContaining({ action: 'rerun.requested', details: expect.objectContaining({ rerunId: request.rerunId, top: 2 }) }),
    );

    const human = await organiser.run(['rerun', '--follow', request.rerunId]);
    expect(human.stdout).toContain('IDENTICAL: predictions identical, 0 of 200 rows differ');
    expect(human.stdout).toMatch(/DIFFERENT: predictions different, \d+ of 200 rows differ/);

    // Applying it: the different team's score becomes its rerun's; competitors may not.
    expect((await grace.run(['--json', 'rerun', 'apply', request.rerunId])).json()).toMatchObject({ error: 'FORBIDDEN' });
    const applied = await organiser.run(['--json', 'rerun', 'apply', request.rerunId]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const application = applied.json<Application>();
    // Two draws of 200 random classes score alike about once in 200 runs; then there is nothing to apply.
    const changed = randomResult.rerunScore !== randomResult.originalScore;
    expect(application).toMatchObject({ alreadyApplied: false });
    expect(application.teams).toEqual([
      changed
        ? expect.objectContaining({ teamId: random.teamId, outcome: 'applied', previousScore: randomResult.originalScore, newScore: randomResult.rerunScore })
        : expect.objectContaining({ teamId: random.teamId, outcome: 'skipped' }),
    ]);
    const after = await board();
    const scoreOf = (page: typeof after, teamId: string) => page.entries.find((entry) => entry.teamId === teamId)?.score;
    expect(scoreOf(after, baseline.teamId)).toBe(scoreOf(boardBefore, baseline.teamId));
    if (changed) {
      expect(scoreOf(after, random.teamId)).toBeCloseTo(randomResult.rerunScore, 4);
      expect(await listAudit(platform.ctx, 'tissuenet')).toContainEqual(
        expect.objectContaining({
          action: 'rerun.applied',
          details: expect.objectContaining({ rerunId: request.rerunId, teamId: random.teamId, previousScore: randomResult.originalScore }),
        }),
      );
      const again = await organiser.run(['rerun', 'apply', request.rerunId]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`Rerun ${request.rerunId} was already applied: nothing changed.`);
      expect((await organiser.run(['--json', 'rerun', '--follow', request.rerunId])).json<Rerun>().appliedTeams).toEqual([random.teamId]);
    }
    expect(await board()).toEqual(after);
    expect(await quota(grace)).toEqual(quotaBefore);
  }, 600_000);
});
