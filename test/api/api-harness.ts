import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createRecordingJobRunner } from './recording-job-runner.ts';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge, rulesVersionOf, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { createDevIssuer, type DevIssuer } from '#shared/identity/dev-issuer.ts';
import { createApp, type ApiDependencies } from '../../functions/api/app.ts';
import { manualClock, type StorageFixture } from '../support/storage-fixture.ts';

export { createRecordingJobRunner };

/** The TissueNet example, reshaped per test (quotas, approval, domains). */
export async function tissuenet(change: (challenge: Challenge) => void = () => {}): Promise<Challenge> {
  const challenge = structuredClone(await loadChallenge('examples/tissuenet'));
  change(challenge);
  challenge.rulesVersion = rulesVersionOf(challenge.rulesMarkdown);
  return challenge;
}

/** Answers to every registration question of a challenge, as a participant would give them. */
export function sampleAnswers(challenge: Challenge): Record<string, string | boolean> {
  const sample = { accept: () => true, select: (options?: string[]) => options![0]!, country: () => 'France', text: () => 'Institut Curie' };
  return Object.fromEntries((challenge.registration.questions ?? []).map((question) => [question.id, sample[question.kind](question.options)]));
}

export interface ApiHarness {
  ctx: PodiumContext;
  clock: ReturnType<typeof manualClock>;
  app: ReturnType<typeof createApp>;
  issuer: DevIssuer;
  jobs: ReturnType<typeof createRecordingJobRunner>;
  login(email: string, role?: 'competitor' | 'organiser'): Promise<string>;
  call(method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Logs in and accepts the current rules; returns the token. */
  competitor(email: string, challengeId?: string): Promise<string>;
}

let sharedIssuer: DevIssuer | undefined;

/** `local`: the routers and docs assets only the local stack mounts (`local/platform.ts`). */
export async function startApi(
  fixture: StorageFixture,
  challenges: Challenge[],
  at = '2026-06-01T12:00:00Z',
  local: Pick<ApiDependencies, 'localRouters' | 'docsAssetsBase' | 'trainingLauncher'> = {},
): Promise<ApiHarness> {
  const clock = manualClock(at);
  const ctx = await fixture.freshContext(clock.now);
  for (const challenge of challenges) await registerChallenge(ctx, challenge);
  sharedIssuer ??= await createDevIssuer();
  const issuer = sharedIssuer;
  const jobs = createRecordingJobRunner();
  const app = createApp({ ctx, devIssuer: issuer, jobRunner: jobs.runner, ...local });
  const call = (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) =>
    Promise.resolve(
      app.request(path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
    );
  const login = async (email: string, role: 'competitor' | 'organiser' = 'competitor') => (await issuer.mint(email, role, clock.now())).token;
  return {
    ctx,
    clock,
    app,
    issuer,
    jobs,
    login,
    call,
    async competitor(email, challengeId = challenges[0]!.id) {
      const token = await login(email);
      const rules = (await (await call('GET', `/challenges/${challengeId}/rules`)).json()) as { version: string };
      const challenge = challenges.find((candidate) => candidate.id === challengeId)!;
      const response = await call('POST', `/challenges/${challengeId}/registration`, token, { rulesVersion: rules.version, answers: sampleAnswers(challenge) });
      if (response.status !== 200) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
      return token;
    },
  };
}

/** Puts a small training dataset (manifest + one file) where the seeder would. */
export async function seedTrainingFiles(ctx: PodiumContext, challengeId: string, datasetId: string): Promise<void> {
  const file = 'labels.csv';
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: `${challengeId}/${datasetId}/${file}`, Body: 'id,label\n1,0\n' }));
  const manifest = { challengeId, datasetId, files: [{ path: file, bytes: 13, sha256: 'abc' }] };
  await ctx.s3.send(
    new PutObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: `${challengeId}/${datasetId}/manifest.json`, Body: JSON.stringify(manifest) }),
  );
}
