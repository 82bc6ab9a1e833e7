import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { requirePhase, type Challenge } from '#shared/challenge/challenge.ts';
import { PodiumError } from '#shared/errors.ts';
import type { Principal } from '#shared/identity/principal.ts';
import { requireActiveParticipant } from '#shared/participants/registration.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { teamOf } from '#shared/teams/team-membership.ts';
import { viewTrainingBudget } from '#shared/training/budget-view.ts';
import { cancelTrainingJob } from '#shared/training/cancel-training-job.ts';
import { createTrainingJob } from '#shared/training/create-training-job.ts';
import { startTrainingJob } from '#shared/training/start-training-job.ts';
import { getTeamTrainingJob, listTeamTrainingJobs } from '#shared/training/training-job-record.ts';
import { trainingJobView } from '#shared/training/training-job-view.ts';
import type { ApiDependencies } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { newRouter } from '../router.ts';
import { PresignedPostUpload } from './submissions.ts';
import { bearer, challengeIdParam, commonErrors, json, PhaseParams, quotaError, resourceId } from '../schemas.ts';

const TrainingJob = z
  .object({
    id: z.string(),
    challengeId: z.string(),
    phaseId: z.string(),
    teamId: z.string(),
    status: z.enum(['CREATED', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMEOUT', 'BUDGET_EXHAUSTED', 'CANCELLED']),
    createdAt: z.string(),
    queuedAt: z.string().optional(),
    startedAt: z.string().optional(),
    endedAt: z.string().optional(),
    timeLimitSeconds: z.number(),
    budgetLimited: z.boolean(),
    runSeconds: z.number().optional(),
    message: z.string().optional(),
    outputs: z.array(z.object({ path: z.string(), bytes: z.number(), sha256: z.string() })),
  })
  .meta({
    id: 'TrainingJob',
    description: 'A training job as its team sees it; outputs by path, size and SHA-256 only (docs/API.md)',
  });
export const TrainingBudget = z
  .object({
    challengeId: z.string(),
    phaseId: z.string(),
    teamId: z.string(),
    grantedGpuHours: z.number(),
    usedGpuHours: z.number(),
    reservedGpuHours: z.number().meta({ description: 'held by queued and running jobs until they are settled' }),
    remainingGpuHours: z.number(),
    usedGpuSeconds: z.number(),
    remainingGpuSeconds: z.number(),
    usedPercent: z.number(),
    usedCostEur: z.number().meta({ description: "at the phase's instancePricePerHourEur: an estimate, not an invoice" }),
    remainingCostEur: z.number(),
    instancePricePerHourEur: z.number(),
    gpusPerJob: z.number(),
    alerts: z.array(z.object({ percent: z.number(), at: z.string() })),
  })
  .meta({
    id: 'TrainingBudget',
    description: "The team's GPU-hour budget on the phase, its euro estimate and alerts (docs/API.md)",
  });
const TrainingJobParams = z.object({ challengeId: challengeIdParam, trainingJobId: resourceId('training job id') });
const CreateTrainingJobBody = z
  .object({
    archiveBytes: z
      .number()
      .int()
      .positive()
      .max(20_480 * 1024 * 1024),
  })
  .strict()
  .meta({ id: 'CreateTrainingJob' });

/** The caller's team, which must exist: a participant who never submitted nor trained has no jobs and no budget use. */
async function callerTeamId(ctx: ApiDependencies['ctx'], challenge: Challenge, principal: Principal, createSolo = false): Promise<string | undefined> {
  const participant = await requireActiveParticipant(ctx, challenge, principal);
  return (await teamOf(ctx, challenge, participant, principal, { createSolo }))?.teamId;
}

export function trainingRoutes({ ctx, trainingLauncher }: ApiDependencies) {
  const teamJob = async (principal: Principal, challengeId: string, trainingJobId: string) => {
    const challenge = await getChallenge(ctx, challengeId);
    const teamId = await callerTeamId(ctx, challenge, principal);
    if (!teamId) throw new PodiumError('NOT_FOUND', `training job "${trainingJobId}" was not found`);
    return { challenge, job: await getTeamTrainingJob(ctx, trainingJobId, teamId) };
  };
  return newRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/phases/{phaseId}/training-jobs',
        tags: ['training'],
        summary: "Create a training job (train.py at the archive's root); reserves its time limit from the team's budget",
        security: bearer,
        request: { params: PhaseParams, body: { required: true, content: { 'application/json': { schema: CreateTrainingJobBody } } } },
        responses: {
          201: json(z.object({ trainingJob: TrainingJob, upload: PresignedPostUpload }).meta({ id: 'CreatedTrainingJob' })),
          ...commonErrors,
          ...quotaError,
        },
      }),
      async (c) => {
        const { challengeId, phaseId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const { job, upload } = await createTrainingJob(ctx, challenge, userOf(c), { phaseId, archiveBytes: c.req.valid('json').archiveBytes });
        return c.json({ trainingJob: trainingJobView(job), upload }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/phases/{phaseId}/training-jobs',
        tags: ['training'],
        summary: "The team's training jobs on the phase, oldest first",
        security: bearer,
        request: { params: PhaseParams },
        responses: { 200: json(z.object({ trainingJobs: z.array(TrainingJob) }).meta({ id: 'TrainingJobList' })), ...commonErrors },
      }),
      async (c) => {
        const { challengeId, phaseId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        requirePhase(challenge, phaseId);
        const teamId = await callerTeamId(ctx, challenge, userOf(c));
        const jobs = teamId ? await listTeamTrainingJobs(ctx, challenge.id, phaseId, teamId) : [];
        return c.json({ trainingJobs: jobs.map(trainingJobView) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/training-jobs/{trainingJobId}',
        tags: ['training'],
        summary: 'One of the team’s training jobs',
        security: bearer,
        request: { params: TrainingJobParams },
        responses: { 200: json(TrainingJob), ...commonErrors },
      }),
      async (c) => {
        const { challengeId, trainingJobId } = c.req.valid('param');
        return c.json(trainingJobView((await teamJob(userOf(c), challengeId, trainingJobId)).job), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/training-jobs/{trainingJobId}/start',
        tags: ['training'],
        summary: 'The archive is uploaded: check it and queue the job',
        security: bearer,
        request: { params: TrainingJobParams },
        responses: { 200: json(TrainingJob), ...commonErrors },
      }),
      async (c) => {
        const { challengeId, trainingJobId } = c.req.valid('param');
        const { challenge, job } = await teamJob(userOf(c), challengeId, trainingJobId);
        if (!trainingLauncher)
          throw new PodiumError('INVALID_STATE', 'this deployment runs no training jobs yet (no training queue); see docs/ARCHITECTURE.md');
        return c.json(trainingJobView(await startTrainingJob(ctx, challenge, job, trainingLauncher)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/training-jobs/{trainingJobId}/cancel',
        tags: ['training'],
        summary: 'Cancel a training job: charged its run time so far',
        security: bearer,
        request: { params: TrainingJobParams },
        responses: { 200: json(TrainingJob), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const { challengeId, trainingJobId } = c.req.valid('param');
        const { job } = await teamJob(principal, challengeId, trainingJobId);
        const stop = trainingLauncher ? (id: string) => trainingLauncher.stop(id) : undefined;
        return c.json(trainingJobView(await cancelTrainingJob(ctx, job, principal.userId, stop)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/training-jobs/{trainingJobId}/log',
        tags: ['training'],
        summary: "The training job's log so far (the training data is the team's to see)",
        security: bearer,
        request: { params: TrainingJobParams },
        responses: { 200: json(z.object({ lines: z.array(z.string()), note: z.string().optional() }).meta({ id: 'TrainingLog' })), ...commonErrors },
      }),
      async (c) => {
        const { challengeId, trainingJobId } = c.req.valid('param');
        const { job } = await teamJob(userOf(c), challengeId, trainingJobId);
        try {
          const object = await ctx.s3.send(
            new GetObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: objectKeys.trainingLog(job.challengeId, job.phaseId, job.teamId, job.id) }),
          );
          const text = await object.Body!.transformToString();
          return c.json({ lines: text ? text.replace(/\n$/, '').split('\n') : [] }, 200);
        } catch (error) {
          if ((error as Error).name !== 'NoSuchKey') throw error;
          return c.json({ lines: [], note: `no log yet: the job is ${job.status}; while it runs, what train.py prints appears here within seconds` }, 200);
        }
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/phases/{phaseId}/budget',
        tags: ['training'],
        summary: "The team's training budget on the phase: GPU-hours granted, used, reserved and left, in euros too",
        security: bearer,
        request: { params: PhaseParams },
        responses: { 200: json(TrainingBudget), ...commonErrors },
      }),
      async (c) => {
        const { challengeId, phaseId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const phase = requirePhase(challenge, phaseId);
        const teamId = await callerTeamId(ctx, challenge, userOf(c), true);
        return c.json(await viewTrainingBudget(ctx, challenge.id, phase, teamId!), 200);
      },
    );
}
