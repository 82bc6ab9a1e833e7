import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { requirePhase } from '#shared/challenge/challenge.ts';
import { cancelSubmission } from '#shared/pipeline/cancel-submission.ts';
import { requireActiveParticipant } from '#shared/participants/registration.ts';
import { archiveDownload } from '#shared/submissions/archive-download.ts';
import { completeArchiveUpload } from '#shared/submissions/complete-upload.ts';
import { createSubmission } from '#shared/submissions/create-submission.ts';
import { clearFinalSubmission, selectFinalSubmission } from '#shared/submissions/final-selection.ts';
import { IDEMPOTENCY_KEY_PATTERN } from '#shared/submissions/idempotency.ts';
import { listTeamSubmissions } from '#shared/submissions/list-submissions.ts';
import { getPhaseControl } from '#shared/submissions/phase-control.ts';
import { remainingQuota } from '#shared/submissions/quota.ts';
import { readTeamLog } from '#shared/submissions/submission-logs.ts';
import { FAILURE_REASONS, SUBMISSION_STATUSES } from '#shared/submissions/submission-status.ts';
import { runUsageSchema } from '#shared/pipeline/run-usage.ts';
import { MAX_NOTE_CHARS } from '#shared/submissions/submission-note.ts';
import { submissionView } from '#shared/submissions/submission-view.ts';
import { teamSubmission } from '#shared/submissions/team-submission.ts';
import { findParticipant } from '#shared/participants/participant-record.ts';
import { teamOf } from '#shared/teams/team-membership.ts';
import type { ApiDependencies } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { newRouter } from '../router.ts';
import { bearer, ChallengeParams, commonErrors, json, PhaseParams, phaseIdParam, quotaError, SubmissionLog, SubmissionParams } from '../schemas.ts';

const SplitScores = z.object({ overall: z.number().optional(), public: z.number().optional(), private: z.number().optional() });

/** A submission as its team sees it; organisers (admin routes) also get who submitted it, the attempt and the archive key. */
export const Submission = z
  .object({
    id: z.string(),
    challengeId: z.string(),
    phaseId: z.string(),
    teamId: z.string(),
    mode: z.enum(['scored', 'smoke']),
    status: z.enum(SUBMISSION_STATUSES),
    createdAt: z.string(),
    updatedAt: z.string(),
    archiveBytes: z.number().optional(),
    note: z.string().optional(),
    failure: z
      .object({
        reason: z.enum(FAILURE_REASONS),
        message: z.string(),
        detail: z.string().optional().meta({ description: 'organisers only: may quote what the code printed on hidden data' }),
      })
      .optional(),
    score: SplitScores.extend({ secondary: z.record(z.string(), SplitScores).optional() })
      .optional()
      .meta({ description: 'the scores the team may see now, rounded to the challenge precision (none before publication on a private board)' }),
    run: runUsageSchema.optional().meta({ description: 'rounded run time (ms, whole seconds), peak memory (MiB) and GPU-seconds' }),
    baseline: z.boolean().optional(),
    submittedBy: z.string().optional().meta({ description: 'organisers only' }),
    organiserRun: z.boolean().optional().meta({ description: 'organisers only' }),
    attempt: z.number().optional().meta({ description: 'organisers only' }),
    archiveKey: z.string().optional().meta({ description: 'organisers only' }),
    scorerVersion: z.string().optional().meta({ description: 'organisers only' }),
    scoredAt: z.string().optional().meta({ description: 'organisers only' }),
  })
  .meta({ id: 'Submission', description: 'A submission as its team sees it (docs/API.md)' });
const FinalSelection = z
  .object({ challengeId: z.string(), phaseId: z.string(), teamId: z.string(), limit: z.number(), selected: z.array(z.string()), closes: z.string() })
  .meta({ id: 'FinalSelection', description: "The team's final selection in the submission's phase: what counts on the private board (docs/API.md)" });
const ArchiveDownload = z
  .object({ url: z.string(), expiresAt: z.string(), bytes: z.number().optional(), fileName: z.string() })
  .meta({ id: 'ArchiveDownload', description: "A short-lived presigned GET of the team's own archive (docs/API.md)" });
export const PresignedPostUpload = z
  .object({ method: z.literal('POST'), url: z.string(), fields: z.record(z.string(), z.string()), maxBytes: z.number(), expiresAt: z.string() })
  .meta({ id: 'PresignedPostUpload', description: 'POST the archive as multipart/form-data to url, with fields first' });
const Upload = z
  .discriminatedUnion('method', [
    PresignedPostUpload,
    z
      .object({
        method: z.literal('MULTIPART'),
        uploadId: z.string(),
        partBytes: z.number(),
        parts: z.array(z.object({ partNumber: z.number(), url: z.string() })),
        expiresAt: z.string(),
      })
      .meta({ id: 'MultipartUpload', description: 'PUT each part to its url, then POST /submissions/{id}/upload/complete with the ETags' }),
  ])
  .meta({ id: 'ArchiveUpload', description: 'Where to upload the archive: a presigned POST, or a multipart upload' });
const RemainingQuota = z
  .object({
    perDay: z.object({ limit: z.number().nullable(), used: z.number(), remaining: z.number().nullable(), resetsAt: z.string() }),
    total: z.object({ limit: z.number().nullable(), used: z.number(), remaining: z.number().nullable() }),
    concurrent: z.object({ limit: z.number(), running: z.number() }),
    nextAllowedAt: z
      .string()
      .nullable()
      .meta({ description: 'when the next scored submission is allowed: now, the next UTC midnight, or null (never / when a run finishes)' }),
  })
  .meta({ id: 'RemainingQuota' });

export const CreateSubmissionBody = z
  .object({
    mode: z.enum(['scored', 'smoke']).default('scored'),
    archiveBytes: z
      .number()
      .int()
      .positive()
      .max(20_480 * 1024 * 1024),
    multipart: z.boolean().default(false),
    note: z
      .string()
      .max(MAX_NOTE_CHARS)
      .optional()
      .meta({ description: `The team's note on this submission (at most ${MAX_NOTE_CHARS} characters; control and bidi characters are stripped)` }),
    withOutputs: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/)
      .optional()
      .meta({ description: 'A training job of the team (same phase) whose outputs/ files are put next to main.py when the submission runs' }),
  })
  .strict()
  .meta({ id: 'CreateSubmission' });

export function submissionRoutes({ ctx, jobRunner }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/phases/{phaseId}/submissions',
        tags: ['submissions'],
        summary: 'Create a submission and get where to upload its archive',
        security: bearer,
        request: {
          params: PhaseParams,
          headers: z.object({ 'idempotency-key': z.string().regex(IDEMPOTENCY_KEY_PATTERN, 'must be 8–128 letters, digits or _ . : -').optional() }),
          body: { required: true, content: { 'application/json': { schema: CreateSubmissionBody } } },
        },
        responses: {
          201: json(z.object({ submission: Submission, upload: Upload.optional() }), 'Created (or the same submission, for a replayed Idempotency-Key)'),
          ...commonErrors,
          ...quotaError,
        },
      }),
      async (c) => {
        const principal = userOf(c);
        const { challengeId, phaseId } = c.req.valid('param');
        const body = c.req.valid('json');
        const idempotencyKey = c.req.valid('header')['idempotency-key'];
        const challenge = await getChallenge(ctx, challengeId);
        const { submission, upload, replayed } = await createSubmission(ctx, challenge, principal, {
          phaseId,
          ...body,
          ...(idempotencyKey ? { idempotencyKey } : {}),
        });
        if (replayed) c.header('Idempotent-Replayed', 'true');
        const control = await getPhaseControl(ctx, challenge.id, phaseId);
        return c.json({ submission: submissionView(challenge, submission, control), ...(upload ? { upload } : {}) }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/phases/{phaseId}/quota',
        tags: ['submissions'],
        summary: "My team's remaining quota in a phase",
        security: bearer,
        request: { params: PhaseParams },
        responses: { 200: json(RemainingQuota), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const { challengeId, phaseId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const phase = requirePhase(challenge, phaseId);
        const participant = await requireActiveParticipant(ctx, challenge, principal);
        const team = await teamOf(ctx, challenge, participant, principal, { createSolo: true });
        const quota = await remainingQuota(ctx, challenge.id, phase, team!.teamId);
        return c.json({ ...quota }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/submissions',
        tags: ['submissions'],
        summary: "My team's submissions, newest first",
        security: bearer,
        request: { params: ChallengeParams, query: z.object({ phase: phaseIdParam.optional() }) },
        responses: { 200: json(z.object({ submissions: z.array(Submission) })), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const { phase } = c.req.valid('query');
        if (phase) requirePhase(challenge, phase);
        const participant = await findParticipant(ctx, challenge.id, principal.userId);
        const team = participant ? await teamOf(ctx, challenge, participant, principal) : undefined;
        if (!team) return c.json({ submissions: [] }, 200);
        const submissions = await listTeamSubmissions(ctx, challenge.id, team.teamId, phase);
        const controls = new Map(await Promise.all(challenge.phases.map(async (p) => [p.id, await getPhaseControl(ctx, challenge.id, p.id)] as const)));
        return c.json({ submissions: submissions.map((submission) => submissionView(challenge, submission, controls.get(submission.phaseId)!)) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/submissions/{submissionId}',
        tags: ['submissions'],
        summary: "One of my team's submissions",
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 200: json(Submission), ...commonErrors },
      }),
      async (c) => {
        const { submission, challenge } = await teamSubmission(ctx, userOf(c), c.req.valid('param').submissionId);
        return c.json(submissionView(challenge, submission, await getPhaseControl(ctx, challenge.id, submission.phaseId)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/submissions/{submissionId}/logs',
        tags: ['submissions'],
        summary: "A run's log: all of a smoke run's, nothing of a run on hidden data",
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 200: json(SubmissionLog), ...commonErrors },
      }),
      async (c) => {
        const { submission } = await teamSubmission(ctx, userOf(c), c.req.valid('param').submissionId);
        return c.json(await readTeamLog(ctx, submission), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/submissions/{submissionId}/archive',
        tags: ['submissions'],
        summary: "A short-lived link to download one of my team's archives as uploaded",
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 200: json(ArchiveDownload), ...commonErrors },
      }),
      async (c) => {
        const { submission } = await teamSubmission(ctx, userOf(c), c.req.valid('param').submissionId);
        return c.json(await archiveDownload(ctx, submission), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/submissions/{submissionId}/upload/complete',
        tags: ['submissions'],
        summary: 'Complete a multipart archive upload',
        security: bearer,
        request: {
          params: SubmissionParams,
          body: {
            required: true,
            content: {
              'application/json': {
                schema: z.object({
                  parts: z
                    .array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }))
                    .min(1)
                    .max(10_000),
                }),
              },
            },
          },
        },
        responses: { 200: json(Submission), ...commonErrors },
      }),
      async (c) => {
        const { submission, challenge } = await teamSubmission(ctx, userOf(c), c.req.valid('param').submissionId);
        const completed = await completeArchiveUpload(ctx, submission, c.req.valid('json').parts);
        return c.json(submissionView(challenge, completed, await getPhaseControl(ctx, challenge.id, submission.phaseId)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/submissions/{submissionId}/cancel',
        tags: ['submissions'],
        summary: 'Cancel a submission that has not reached scoring (its quota is given back)',
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 200: json(Submission), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const { submission, challenge } = await teamSubmission(ctx, principal, c.req.valid('param').submissionId);
        const cancelled = await cancelSubmission(ctx, jobRunner, submission.id, principal.userId);
        return c.json(submissionView(challenge, cancelled, await getPhaseControl(ctx, challenge.id, submission.phaseId)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/submissions/{submissionId}/selection',
        tags: ['submissions'],
        summary: 'Select a SCORED submission to count on the private board (until the phase closes; at most finalSelections)',
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 200: json(FinalSelection), ...commonErrors },
      }),
      async (c) => c.json(await selectFinalSubmission(ctx, userOf(c), c.req.valid('param').submissionId), 200),
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/submissions/{submissionId}/selection',
        tags: ['submissions'],
        summary: 'Remove a submission from the final selection (until the phase closes)',
        security: bearer,
        request: { params: SubmissionParams },
        responses: { 200: json(FinalSelection), ...commonErrors },
      }),
      async (c) => c.json(await clearFinalSubmission(ctx, userOf(c), c.req.valid('param').submissionId), 200),
    );
}
