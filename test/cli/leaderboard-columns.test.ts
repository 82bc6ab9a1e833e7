import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { startApi, type ApiHarness } from '../api/api-harness.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { putLabels, submissionInScoring, tissuenetLabels, tissuenetPredictions } from '../scoring/scoring-fixture.ts';
import { withSecondaryScores } from '../api/secondary-scores-challenge.ts';
import { cliUser, type CliRunner } from './run-cli.ts';

/**
 * `podium leaderboard` on a challenge with secondary scores, against the real API served over
 * HTTP (the in-process app behind a plain node server, so no whole local platform is needed).
 */
const labels = tissuenetLabels([0, 3, 0, 3, 1, 3, 2, 3]);
let fixture: StorageFixture;
let api: ApiHarness;
let server: Server;
let user: CliRunner;

beforeAll(async () => {
  fixture = await startStorageFixture();
  api = await startApi(fixture, [await withSecondaryScores()]);
  await putLabels(api.ctx, 'tissuenet', 'test', labels.csv);
  for (const [teamId, classes] of [
    ['team-two', [0, 3, 0, 3, 1, 3, 0, 3]],
    ['team-zero', [1, 3, 0, 3, 1, 3, 2, 3]],
  ] as const) {
    api.clock.advance(60_000);
    await submissionInScoring(api.ctx, {
      id: `s-${teamId}`,
      challengeId: 'tissuenet',
      phaseId: 'learning',
      teamId,
      predictions: tissuenetPredictions(labels.ids, [...classes]),
    });
    await runScoringJob(api.ctx, `s-${teamId}`, 1);
  }
  server = createServer((request, response) => {
    void (async () => {
      const forwarded = await api.app.request(request.url!, { method: request.method!, headers: request.headers as Record<string, string> });
      response.writeHead(forwarded.status, Object.fromEntries(forwarded.headers));
      response.end(Buffer.from(await forwarded.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  user = await cliUser(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await fixture?.close();
});

describe('podium leaderboard with several scores', () => {
  it('shows every named score as a column with its direction, ranked by the primary then the secondary scores', async () => {
    const result = await user.run(['leaderboard', 'tissuenet', '--phase', 'learning']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const header = lines.find((line) => line.startsWith('RANK'))!;
    expect(header).toMatch(/^RANK\s+TEAM\s+SCORE ↑\s+MACRO_F1 ↑\s+COST ↑\s+SUBMITTED\s+SUBMISSION$/);
    const rows = lines.filter((line) => /^\s*\d+ /.test(line));
    // The primary score at the challenge's scorePrecision (4 digits).
    expect(rows[0]).toMatch(/^\s*1\s+team-zero\s+0\.7500\s+0\.7778\s+0\.9[78]\s/);
    expect(rows[1]).toMatch(/^\s*2\s+team-two\s+0\.7500\s+0\.6\s+0\.8[23]\s/);

    const json = await user.run(['--json', 'leaderboard', 'tissuenet', '--phase', 'learning']);
    expect(json.json<{ scores: { name: string }[] }>().scores.map((column) => column.name)).toEqual(['score', 'macro_f1', 'cost']);
  });
});
