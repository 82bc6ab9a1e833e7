import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { devEndpointRoutes } from '../../functions/api/routes/dev-endpoints.ts';
import { DOCS_ASSETS_BASE, docsAssetRoutes } from '../../functions/api/routes/docs-assets.ts';
import { startStorageFixture, type StorageFixture } from '../support/storage-fixture.ts';
import { sampleAnswers, seedTrainingFiles, startApi, tissuenet, type ApiHarness } from './api-harness.ts';

/**
 * Every route × every caller, each cell asserted allowed or denied. "Allowed" means the caller got
 * past authorization (any status except 401, 403 and the 404 that hides other teams' things);
 * "denied" names the status the caller must get.
 *
 * The rows are the routes the app serves (Hono's route table: every router's definitions, the
 * local stack's routers and the few plain routes), each looked up in MATRIX: a route added
 * without its row fails the first test, naming it.
 */
type Caller = 'anonymous' | 'teamA' | 'teamB' | 'pending' | 'organiser';
const CALLERS: Caller[] = ['anonymous', 'teamA', 'teamB', 'pending', 'organiser'];
type Expectation = 'allow' | 401 | 403 | 404;

/** One request to a route: its path parameters (beyond the defaults), query and body, and what each caller gets. */
interface Case {
  params?: Record<string, string>;
  query?: string;
  /** A function when the body depends on the setup (read when the case runs). */
  body?: unknown;
  expect: Record<Caller, Expectation>;
}

const publicRoute: Record<Caller, Expectation> = { anonymous: 'allow', teamA: 'allow', teamB: 'allow', pending: 'allow', organiser: 'allow' };
const anyUser: Record<Caller, Expectation> = { anonymous: 401, teamA: 'allow', teamB: 'allow', pending: 'allow', organiser: 'allow' };
const activeParticipant: Record<Caller, Expectation> = { anonymous: 401, teamA: 'allow', teamB: 'allow', pending: 403, organiser: 403 };
const teamAOnly: Record<Caller, Expectation> = { anonymous: 401, teamA: 'allow', teamB: 404, pending: 404, organiser: 404 };
const organiserOnly: Record<Caller, Expectation> = { anonymous: 401, teamA: 403, teamB: 403, pending: 403, organiser: 'allow' };
/** A team's training job: another team is told it does not exist; who is no active participant is refused first. */
const ownTeamJob: Record<Caller, Expectation> = { anonymous: 401, teamA: 'allow', teamB: 404, pending: 403, organiser: 403 };
/** Who may post in a challenge's discussion: its active participants and the organisers. */
const poster: Record<Caller, Expectation> = { ...activeParticipant, organiser: 'allow' };

/** Keyed by `METHOD path` as the app registers it (Hono's `:param` syntax); run in this order. */
const MATRIX: Record<string, Case[]> = {
  'GET /health': [{ expect: publicRoute }],
  'GET /openapi.json': [{ expect: publicRoute }],
  'GET /docs': [{ expect: publicRoute }],
  'GET /docs/assets/swagger-ui-dist/:file': [{ params: { file: 'swagger-ui.css' }, expect: publicRoute }],
  'GET /dev/endpoints': [{ expect: publicRoute }],
  'GET /.well-known/jwks.json': [{ expect: publicRoute }],
  'POST /dev/login': [{ body: { email: 'x@example.org', role: 'competitor' }, expect: publicRoute }],
  'GET /challenges': [{ expect: publicRoute }],
  'GET /challenges/:challengeId': [{ expect: publicRoute }],
  'GET /challenges/:challengeId/rules': [{ expect: publicRoute }],
  // The runtime's packages are public, like the rules: a competitor reads them before joining.
  'GET /challenges/:challengeId/phases/:phaseId/runtime': [{ expect: publicRoute }],
  'GET /challenges/:challengeId/phases/:phaseId/leaderboard': [
    { expect: publicRoute },
    { params: { phaseId: 'final' }, expect: { anonymous: 404, teamA: 404, teamB: 404, pending: 404, organiser: 'allow' } },
  ],
  // A team's public score over time: as public as the board it comes from, hidden like it before publication.
  'GET /challenges/:challengeId/phases/:phaseId/leaderboard/history': [
    { query: 'teamId=t-any', expect: publicRoute },
    { params: { phaseId: 'final' }, query: 'teamId=t-any', expect: { anonymous: 404, teamA: 404, teamB: 404, pending: 404, organiser: 'allow' } },
  ],
  'GET /me': [{ expect: anyUser }],
  'GET /challenges/:challengeId/registration': [{ expect: { ...anyUser, pending: 404, organiser: 404 } }],
  'POST /challenges/:challengeId/registration': [
    { params: { challengeId: 'manual' }, body: () => ({ rulesVersion: manualRulesVersion, answers: manualAnswers }), expect: anyUser },
  ],
  'GET /challenges/:challengeId/teams/mine': [{ expect: { ...anyUser, pending: 404, organiser: 404 } }],
  'POST /challenges/:challengeId/teams': [{ body: { name: 'New team' }, expect: { ...activeParticipant, teamA: 'allow', teamB: 'allow' } }],
  'POST /challenges/:challengeId/teams/join': [{ body: { inviteCode: 'NOSUCHCODE' }, expect: { ...activeParticipant, teamA: 'allow', teamB: 'allow' } }],
  'POST /challenges/:challengeId/teams/merge': [{ body: { inviteCode: 'NOSUCHCODE' }, expect: activeParticipant }],
  'POST /challenges/:challengeId/teams/leave': [{ expect: activeParticipant }],
  'GET /challenges/:challengeId/datasets/:datasetId': [
    { params: { datasetId: 'train' }, expect: activeParticipant },
    { params: { datasetId: 'test' }, expect: { ...activeParticipant, teamA: 404, teamB: 404 } },
  ],
  'POST /challenges/:challengeId/phases/:phaseId/submissions': [{ body: { archiveBytes: 5, mode: 'smoke' }, expect: activeParticipant }],
  'GET /challenges/:challengeId/phases/:phaseId/quota': [{ expect: activeParticipant }],
  'GET /challenges/:challengeId/submissions': [{ expect: anyUser }],
  'GET /submissions/:submissionId': [{ expect: teamAOnly }],
  'GET /submissions/:submissionId/logs': [{ expect: teamAOnly }],
  'GET /submissions/:submissionId/archive': [{ expect: teamAOnly }],
  // A receipt: its team's (here refused as not scored yet, past authorization), anyone's once published; 404 hides it from others.
  'GET /submissions/:submissionId/receipt': [{ expect: { anonymous: 404, teamA: 'allow', teamB: 404, pending: 404, organiser: 'allow' } }],
  'GET /.well-known/podium-receipt-keys': [{ expect: publicRoute }],
  'POST /admin/challenges/:challengeId/phases/:phaseId/reruns': [{ body: { top: 1 }, expect: organiserOnly }],
  'GET /admin/reruns/:rerunId': [{ params: { rerunId: 'x-00000000000000000000' }, expect: organiserOnly }],
  'GET /admin/reruns/:rerunId/report.csv': [{ params: { rerunId: 'x-00000000000000000000' }, expect: organiserOnly }],
  'POST /admin/reruns/:rerunId/apply': [{ params: { rerunId: 'x-00000000000000000000' }, expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/data-releases': [
    { body: { datasets: ['test'], destination: '/tmp/x', files: 0, manifestSha256: '0'.repeat(64) }, expect: organiserOnly },
  ],
  'GET /admin/challenges/:challengeId/archive': [{ query: 'pseudonymise=true', expect: organiserOnly }],
  'POST /submissions/:submissionId/selection': [{ expect: teamAOnly }],
  'DELETE /submissions/:submissionId/selection': [{ expect: teamAOnly }],
  'POST /submissions/:submissionId/upload/complete': [{ body: { parts: [{ partNumber: 1, etag: 'x' }] }, expect: teamAOnly }],
  'POST /challenges/:challengeId/code-release': [
    { body: { licence: 'MIT', readme: 'What the code is and how to run it.', archiveBytes: 10 }, expect: activeParticipant },
  ],
  'POST /challenges/:challengeId/code-release/complete': [{ expect: activeParticipant }],
  'GET /challenges/:challengeId/code-releases': [{ expect: publicRoute }],
  'GET /challenges/:challengeId/code-releases/:teamId/archive': [{ expect: publicRoute }],
  'POST /admin/challenges/:challengeId/code-releases/:teamId/verify': [{ expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/code-releases/:teamId/reject': [{ body: { reason: 'matrix test' }, expect: organiserOnly }],
  'GET /admin/challenges/:challengeId/submissions': [{ expect: organiserOnly }],
  'GET /admin/submissions/:submissionId': [{ expect: organiserOnly }],
  'GET /admin/submissions/:submissionId/logs': [{ expect: organiserOnly }],
  'POST /admin/submissions/:submissionId/baseline': [{ body: { baseline: false }, expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/teams/:teamId/disqualify': [{ body: { reason: 'matrix test' }, expect: organiserOnly }],
  'DELETE /admin/challenges/:challengeId/teams/:teamId/disqualify': [{ body: { reason: 'matrix test' }, expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/teams/:teamId/reinstate': [{ body: { reason: 'matrix test' }, expect: organiserOnly }],
  'GET /admin/challenges/:challengeId/teams': [{ query: 'limit=10', expect: organiserOnly }],
  'GET /admin/challenges/:challengeId/health': [{ expect: organiserOnly }],
  'GET /admin/challenges/:challengeId/participants': [{ query: 'status=pending', expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/participants/:userId/approve': [{ params: { challengeId: 'manual', userId: 'nobody' }, expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/participants/:userId/reject': [{ params: { challengeId: 'manual', userId: 'nobody' }, body: {}, expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/participants/:userId/revoke': [
    { params: { challengeId: 'manual', userId: 'nobody' }, body: { reason: 'matrix test' }, expect: organiserOnly },
  ],
  'POST /admin/challenges/:challengeId/phases/:phaseId/resume': [{ expect: organiserOnly }],
  'POST /admin/submissions/:submissionId/rescore': [{ expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/phases/:phaseId/rescore': [{ expect: organiserOnly }],
  'GET /admin/rescores/:rescoreId': [{ params: { rescoreId: 'r-00000000000000000000' }, expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/phases/:phaseId/pause': [{ params: { phaseId: 'final' }, expect: organiserOnly }],
  'GET /admin/challenges/:challengeId/phases/:phaseId/publication': [{ params: { phaseId: 'final' }, expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/phases/:phaseId/publish': [
    { params: { phaseId: 'final' }, body: { force: true, reason: 'matrix test' }, expect: organiserOnly },
  ],
  'POST /admin/challenges/:challengeId/phases/:phaseId/unpublish': [{ params: { phaseId: 'final' }, body: { reason: 'matrix test' }, expect: organiserOnly }],
  'GET /admin/challenges/:challengeId/access-log': [
    { expect: organiserOnly },
    { query: 'user=ada@example.org&dataset=train&from=2026-01-01&to=2027-01-01&order=newest&limit=5', expect: organiserOnly },
  ],
  'GET /admin/challenges/:challengeId/audit-log': [
    { expect: organiserOnly },
    { query: 'actor=u-any&action=phase.pause&from=2026-01-01T00:00:00Z&to=2027-01-01&order=newest&limit=5', expect: organiserOnly },
  ],
  'GET /admin/challenges/:challengeId/exports/:export': [
    { params: { export: 'submissions.csv' }, expect: organiserOnly },
    { params: { export: 'access-log.csv' }, expect: organiserOnly },
    { params: { export: 'leaderboard.csv' }, query: 'phase=learning', expect: organiserOnly },
    { params: { export: 'participants.csv' }, expect: organiserOnly },
  ],
  'PUT /admin/challenges/:challengeId': [{ body: { id: 'tissuenet' }, expect: organiserOnly }],
  'POST /admin/submissions/:submissionId/cancel': [{ expect: organiserOnly }],
  // Last: it changes the submission everyone else reads.
  'POST /submissions/:submissionId/cancel': [{ expect: teamAOnly }],
  // Discussion: reading is as public as the challenge; posting needs an active registration (or an organiser).
  'GET /challenges/:challengeId/discussion': [{ expect: publicRoute }],
  // Training (issue 18): a team's own jobs and budget; organisers see and grant budgets through /admin.
  'POST /challenges/:challengeId/phases/:phaseId/training-jobs': [{ body: { archiveBytes: 10 }, expect: activeParticipant }],
  'GET /challenges/:challengeId/phases/:phaseId/training-jobs': [{ expect: activeParticipant }],
  'GET /challenges/:challengeId/training-jobs/:trainingJobId': [{ expect: ownTeamJob }],
  'POST /challenges/:challengeId/training-jobs/:trainingJobId/start': [{ expect: ownTeamJob }],
  'GET /challenges/:challengeId/training-jobs/:trainingJobId/log': [{ expect: ownTeamJob }],
  'POST /challenges/:challengeId/training-jobs/:trainingJobId/cancel': [{ expect: ownTeamJob }],
  'GET /challenges/:challengeId/phases/:phaseId/budget': [{ expect: activeParticipant }],
  'GET /admin/challenges/:challengeId/phases/:phaseId/teams/:teamId/budget': [{ expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/phases/:phaseId/teams/:teamId/budget-grants': [
    { body: { gpuHours: 0.5, reason: 'matrix test' }, expect: organiserOnly },
  ],
  'GET /challenges/:challengeId/discussion/topics': [{ expect: publicRoute }],
  'POST /challenges/:challengeId/discussion/topics': [{ body: { title: 'Matrix', category: 'general', body: 'matrix test' }, expect: poster }],
  'GET /challenges/:challengeId/discussion/topics/:topicId': [{ expect: publicRoute }],
  'POST /challenges/:challengeId/discussion/topics/:topicId/replies': [{ body: { body: 'matrix reply' }, expect: poster }],
  // Only the author edits: another caller's edit finds no post of theirs.
  'PATCH /challenges/:challengeId/discussion/topics/:topicId/posts/:postId': [
    { body: { body: 'matrix edit' }, expect: { anonymous: 401, teamA: 'allow', teamB: 404, pending: 403, organiser: 404 } },
  ],
  'POST /challenges/:challengeId/discussion/topics/:topicId/posts/:postId/reports': [{ body: { reason: 'matrix test' }, expect: poster }],
  'GET /me/notifications': [{ expect: anyUser }],
  'POST /me/notifications/read': [{ body: { all: true }, expect: anyUser }],
  'GET /me/notification-preferences': [{ expect: anyUser }],
  'PATCH /me/notification-preferences': [{ body: { 'phase.closing': { email: false } }, expect: anyUser }],
  // The unsubscribe link's token is the only credential; this harness sends no e-mail, so the POST finds nothing to do.
  'GET /notifications/unsubscribe': [{ query: 'token=matrix-test-token', expect: publicRoute }],
  'POST /notifications/unsubscribe': [{ query: 'token=matrix-test-token', expect: { anonymous: 404, teamA: 404, teamB: 404, pending: 404, organiser: 404 } }],
  'GET /me/personal-data': [{ expect: anyUser }],
  'POST /me/erasure': [{ body: { confirmEmail: 'not-mine@example.org' }, expect: anyUser }],
  'POST /admin/challenges/:challengeId/announcements': [
    { body: () => ({ title: 'Matrix', body: 'matrix test', audience: { kind: 'team', teamId: defaults.teamId } }), expect: organiserOnly },
  ],
  'PATCH /admin/challenges/:challengeId/discussion/topics/:topicId': [{ body: { locked: false }, expect: organiserOnly }],
  'PUT /admin/challenges/:challengeId/discussion/topics/:topicId/answer': [{ body: { replyId: null }, expect: organiserOnly }],
  'POST /admin/challenges/:challengeId/discussion/topics/:topicId/posts/:postId/:action': [
    { params: { action: 'restore' }, body: { reason: 'matrix test' }, expect: organiserOnly },
  ],
  'PUT /admin/challenges/:challengeId/discussion/mutes/:userId': [
    { params: { userId: 'nobody' }, body: { until: '2026-06-02T00:00:00Z', reason: 'matrix test' }, expect: organiserOnly },
  ],
  'GET /admin/challenges/:challengeId/discussion/reports': [{ expect: organiserOnly }],
};

let fixture: StorageFixture;
let api: ApiHarness;
let tokens: Record<Caller, string | undefined>;
/** What a path parameter is when a case does not say: teamA's submission and team, the open phase. */
let defaults: Record<string, string>;
let manualRulesVersion: string;
let manualAnswers: Record<string, string | boolean>;

/** Every route the app serves, as `METHOD path`, once each (middleware registrations are `ALL`). */
const servedRoutes = async () => [
  ...new Set([...api.app.routes, ...(await api.app.lazyRoutes())].filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`)),
];

beforeAll(async () => {
  fixture = await startStorageFixture();
  const challenge = await tissuenet();
  const manual = await tissuenet((c) => {
    c.id = 'manual';
    c.registration.approval = 'manual';
  });
  manualRulesVersion = manual.rulesVersion;
  manualAnswers = sampleAnswers(manual);
  const docsAssetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  api = await startApi(fixture, [challenge, manual], undefined, {
    localRouters: [devEndpointRoutes({ s3Endpoint: 'http://127.0.0.1:1', dynamoEndpoint: 'http://127.0.0.1:2' }), docsAssetRoutes(docsAssetsDir)],
    docsAssetsBase: DOCS_ASSETS_BASE,
  });
  await seedTrainingFiles(api.ctx, 'tissuenet', 'train');
  const teamA = await api.competitor('a@example.org');
  const teamB = await api.competitor('b@example.org');
  // The pending caller is pending in "manual" and unregistered in "tissuenet".
  const pending = await api.competitor('p@example.org', 'manual');
  const organiser = await api.login('o@example.org', 'organiser');
  tokens = { anonymous: undefined, teamA, teamB, pending, organiser };
  const created = (await (await api.call('POST', '/challenges/tissuenet/phases/learning/submissions', teamA, { archiveBytes: 10 })).json()) as {
    submission: { id: string; teamId: string };
  };
  const topic = (await (
    await api.call('POST', '/challenges/tissuenet/discussion/topics', teamA, { title: 'Matrix topic', category: 'general', body: 'by team A' })
  ).json()) as { id: string };
  const trainingJob = (await (await api.call('POST', '/challenges/tissuenet/phases/learning/training-jobs', teamA, { archiveBytes: 10 })).json()) as {
    trainingJob: { id: string };
  };
  defaults = {
    trainingJobId: trainingJob.trainingJob.id,
    challengeId: 'tissuenet',
    phaseId: 'learning',
    submissionId: created.submission.id,
    teamId: created.submission.teamId,
    topicId: topic.id,
    postId: topic.id,
  };
});
afterAll(async () => {
  await fixture.close();
});

describe('authorization matrix', () => {
  it('has a row for every route the app serves, and no row for a route it does not', async () => {
    const served = await servedRoutes();
    expect(served.filter((route) => !MATRIX[route])).toEqual([]);
    expect(Object.keys(MATRIX).filter((route) => !served.includes(route))).toEqual([]);
  });

  it('answers every route for every caller as the matrix says', async () => {
    const failures: string[] = [];
    for (const [route, cases] of Object.entries(MATRIX)) {
      const [method, template] = route.split(' ') as [string, string];
      for (const { params, query, body, expect: expected } of cases) {
        const values = { ...defaults, ...params };
        const path = template.replaceAll(/:(\w+)/g, (_, name: string) => {
          if (values[name] === undefined) throw new Error(`${route}: no value for :${name}`);
          return encodeURIComponent(values[name]);
        });
        const url = query ? `${path}?${query}` : path;
        const payload: unknown = typeof body === 'function' ? (body as () => unknown)() : body;
        for (const caller of CALLERS) {
          const response = await api.call(method, url, tokens[caller], payload);
          const status = response.status;
          const answer = status >= 400 ? ((await response.json()) as { error: string }) : undefined;
          const ok = expected[caller] === 'allow' ? ![401, 403].includes(status) && status < 500 : status === expected[caller];
          if (!ok)
            failures.push(`${method} ${url} as ${caller}: expected ${expected[caller]}, got ${status} ${answer ? JSON.stringify(answer).slice(0, 160) : ''}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
