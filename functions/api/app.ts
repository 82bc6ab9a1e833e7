import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { getChallenge, listChallenges } from '#shared/challenge/challenge-registry.ts';
import type { PodiumContext } from '#shared/context.ts';
import { PodiumError } from '#shared/errors.ts';
import type { Challenge } from '#shared/challenge/load-challenge.ts';

export interface ApiDependencies {
  ctx: PodiumContext;
}

/** Public view of a challenge: everything a competitor may know, nothing about where hidden data lives. */
export function challengeSummary(challenge: Challenge) {
  return {
    id: challenge.id,
    title: challenge.title,
    rulesVersion: challenge.rulesVersion,
    metric: challenge.metric,
    submissionFormat: challenge.submissionFormat,
    datasets: challenge.datasets.map(({ id, kind, title }) => ({ id, kind, title, downloadable: kind !== 'hidden' })),
    phases: challenge.phases.map((phase) => ({
      id: phase.id,
      title: phase.title,
      opens: phase.opens,
      closes: phase.closes,
      dataset: phase.dataset,
      parent: phase.parent,
      leaderboard: phase.leaderboard,
      quota: phase.quota,
      runtime: {
        timeLimitSeconds: phase.runtime.timeLimitSeconds,
        memoryMiB: phase.runtime.memoryMiB,
        gpus: phase.runtime.gpus,
        dataMount: phase.runtime.dataMount,
        outputFile: phase.runtime.outputFile,
        maxArchiveMiB: phase.runtime.maxArchiveMiB,
      },
    })),
    teams: challenge.teams,
    registration: { approval: challenge.registration.approval },
  };
}

export function createApp({ ctx }: ApiDependencies) {
  const app = new Hono();

  // One error path: domain errors map to their status; anything else is a logged 500 with no stack.
  app.onError((error, c) => {
    if (error instanceof PodiumError) {
      return c.json({ error: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) }, error.status as 400);
    }
    if (error instanceof HTTPException) {
      return c.json({ error: error.status === 401 ? 'UNAUTHENTICATED' : 'HTTP_ERROR', message: error.message }, error.status);
    }
    console.error(JSON.stringify({ level: 'error', message: 'unhandled error', error: String(error), stack: (error as Error).stack }));
    return c.json({ error: 'INTERNAL', message: 'An internal error occurred' }, 500);
  });
  app.notFound((c) => c.json({ error: 'NOT_FOUND', message: `${c.req.method} ${c.req.path} is not a Podium route` }, 404));

  app.get('/health', (c) => c.json({ status: 'ok', time: ctx.now().toISOString() }));
  app.get('/challenges', async (c) => c.json({ challenges: (await listChallenges(ctx)).map(challengeSummary) }));
  app.get('/challenges/:challengeId', async (c) => {
    const challenge = await getChallenge(ctx, c.req.param('challengeId'));
    return c.json({ ...challengeSummary(challenge), description: challenge.descriptionMarkdown });
  });
  app.get('/challenges/:challengeId/rules', async (c) => {
    const challenge = await getChallenge(ctx, c.req.param('challengeId'));
    return c.json({ version: challenge.rulesVersion, markdown: challenge.rulesMarkdown });
  });

  return app;
}

export type PodiumApp = ReturnType<typeof createApp>;
