import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge, listChallenges } from '#shared/challenge/challenge-registry.ts';
import { smokeDatasetOf, type Challenge } from '#shared/challenge/challenge.ts';
import { isDownloadable } from '#shared/data-access/dataset-downloads.ts';
import { phaseRuntimeImage } from '#shared/runtimes/runtime-image.ts';
import type { ApiDependencies } from '../api-env.ts';
import { newRouter } from '../router.ts';
import { runtimeManifest } from '#shared/runtimes/runtime-manifest.ts';
import { metricSchema, quotaSchema, submissionFormatSchema } from '#shared/challenge/definition-schema.ts';
import { ChallengeParams, commonErrors, json, PhaseParams } from '../schemas.ts';

/** Public view of a challenge: everything a competitor may know, nothing about where hidden data lives. */
export function challengeSummary(challenge: Challenge) {
  return {
    id: challenge.id,
    title: challenge.title,
    rulesVersion: challenge.rulesVersion,
    scorePrecision: challenge.scorePrecision,
    metric: challenge.metric,
    submissionFormat: challenge.submissionFormat,
    datasets: challenge.datasets.map(({ id, kind, title, download }) => ({ id, kind, title, downloadable: isDownloadable({ kind, download }) })),
    phases: challenge.phases.map((phase) => ({
      id: phase.id,
      title: phase.title,
      opens: phase.opens,
      closes: phase.closes,
      dataset: phase.dataset,
      smokeDataset: smokeDatasetOf(challenge, phase.id)?.id,
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
        // The competitor environment; its packages: GET /challenges/{c}/phases/{p}/runtime.
        image: phaseRuntimeImage(phase.runtime).reference,
        // The interpreter submissions run with, so `podium test-submission` can use the same one.
        python: phase.runtime.python,
      },
    })),
    teams: challenge.teams,
    registration: {
      approval: challenge.registration.approval,
      allowedEmailDomains: challenge.registration.allowedEmailDomains,
      questions: challenge.registration.questions ?? [],
    },
  };
}

const ChallengePhase = z
  .object({
    id: z.string(),
    title: z.string().optional(),
    opens: z.string(),
    closes: z.string(),
    dataset: z.string(),
    smokeDataset: z.string().optional(),
    parent: z.string().optional(),
    leaderboard: z.enum(['public', 'private-until-published']),
    quota: quotaSchema,
    runtime: z.object({
      timeLimitSeconds: z.number(),
      memoryMiB: z.number(),
      gpus: z.number(),
      dataMount: z.string(),
      outputFile: z.string(),
      maxArchiveMiB: z.number(),
      image: z.string().meta({ description: 'the competitor environment; its packages: GET /challenges/{c}/phases/{p}/runtime', example: 'podium/cpu:1' }),
      python: z.string().optional(),
    }),
  })
  .meta({ id: 'ChallengePhase' });

/** `challengeSummary`'s shape: the public view of a challenge. */
const RegistrationQuestion = z
  .object({
    id: z.string(),
    label: z.string(),
    kind: z.enum(['text', 'country', 'select', 'accept']),
    required: z.boolean(),
    options: z.array(z.string()).optional(),
    maxLength: z.number(),
    help: z.string().optional(),
  })
  .meta({ id: 'RegistrationQuestion', description: 'Asked when joining; answers go in the registration body by `id`' });

const ChallengeSummary = z
  .object({
    id: z.string(),
    title: z.string(),
    rulesVersion: z.string(),
    scorePrecision: z.number(),
    metric: metricSchema,
    submissionFormat: submissionFormatSchema,
    datasets: z.array(z.object({ id: z.string(), kind: z.enum(['training', 'smoke', 'hidden']), title: z.string().optional(), downloadable: z.boolean() })),
    phases: z.array(ChallengePhase),
    teams: z.object({ maxSize: z.number(), mergeDeadline: z.string().optional() }),
    registration: z.object({ approval: z.enum(['auto', 'manual']), allowedEmailDomains: z.array(z.string()), questions: z.array(RegistrationQuestion) }),
  })
  .meta({ id: 'ChallengeSummary' });

const ChallengePages = z
  .object({ overview: z.string(), data: z.string().optional(), evaluation: z.string().optional(), submissionFormat: z.string().optional() })
  .meta({ id: 'ChallengePages', description: "The organisers' pages, as markdown (not sanitised: render them sanitised)" });
const ChallengeDetail = ChallengeSummary.extend({
  description: z.string().meta({ description: 'the description page, as markdown' }),
  pages: ChallengePages,
}).meta({
  id: 'Challenge',
  description: 'A challenge with its description page (markdown, not sanitised: render it sanitised)',
});

const RuntimePackageSchema = z.object({ name: z.string(), version: z.string() }).meta({ id: 'RuntimePackage' });

const RuntimeManifestSchema = z
  .object({
    challengeId: z.string(),
    phaseId: z.string(),
    image: z.string().meta({ description: "podium/<name>:<version>, dockerfile:<path> (the organiser's) or an image URI", example: 'podium/cpu:1' }),
    kind: z.enum(['podium', 'dockerfile', 'uri']),
    description: z.string().optional(),
    base: z.string().optional().meta({ description: 'the image a Podium runtime starts from' }),
    python: z.string().optional(),
    cuda: z.string().optional(),
    packages: z.array(RuntimePackageSchema).meta({ description: "every package of the runtime's lockfile; empty for an organiser's image" }),
    ciVariant: z
      .object({ description: z.string(), debianSuite: z.string(), python: z.string(), packages: z.array(RuntimePackageSchema) })
      .optional()
      .meta({ description: "the runtime built from Debian's packages, which CI and local container runs use" }),
  })
  .meta({ id: 'RuntimeManifest' });

export function challengeRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges',
        tags: ['challenges'],
        summary: 'List challenges',
        responses: { 200: json(z.object({ challenges: z.array(ChallengeSummary) })) },
      }),
      async (c) => c.json({ challenges: (await listChallenges(ctx)).map(challengeSummary) }, 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}',
        tags: ['challenges'],
        summary: 'A challenge, with its pages',
        request: { params: ChallengeParams },
        responses: { 200: json(ChallengeDetail), 404: commonErrors[404] },
      }),
      async (c) => {
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const pages = { overview: challenge.descriptionMarkdown, ...challenge.pagesMarkdown };
        return c.json({ ...challengeSummary(challenge), description: challenge.descriptionMarkdown, pages }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/rules',
        tags: ['challenges'],
        summary: 'The current rules and their version (accept this version to register)',
        request: { params: ChallengeParams },
        responses: { 200: json(z.object({ version: z.string(), markdown: z.string() })), 404: commonErrors[404] },
      }),
      async (c) => {
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        return c.json({ version: challenge.rulesVersion, markdown: challenge.rulesMarkdown }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/phases/{phaseId}/runtime',
        tags: ['challenges'],
        summary: "The phase's runtime: image, Python version and every package with its version",
        request: { params: PhaseParams },
        responses: { 200: json(RuntimeManifestSchema), 404: commonErrors[404] },
      }),
      async (c) => {
        const { challengeId, phaseId } = c.req.valid('param');
        return c.json(runtimeManifest(await getChallenge(ctx, challengeId), phaseId), 200);
      },
    );
}
