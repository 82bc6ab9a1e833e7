import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import {
  codeReleaseDownload,
  completeCodeRelease,
  listCodeReleases,
  ownTeamId,
  reviewCodeRelease,
  startCodeRelease,
  type CodeReleaseRecord,
} from '#shared/releases/code-release.ts';
import type { ApiDependencies } from '../api-env.ts';
import { organiserOf, userOf } from '../auth.ts';
import { createRoute } from '../openapi/route-definition.ts';
import { newRouter } from '../router.ts';
import { bearer, ChallengeParams, challengeIdParam, commonErrors, json, resourceId } from '../schemas.ts';

const CodeRelease = z
  .object({
    challengeId: z.string(),
    phaseId: z.string(),
    teamId: z.string(),
    teamName: z.string(),
    rank: z.number(),
    submissionId: z.string(),
    attempt: z.number(),
    status: z.enum(['UPLOADING', 'SUBMITTED', 'VERIFIED', 'REJECTED']),
    licence: z.string(),
    readme: z.string(),
    archiveBytes: z.number().optional(),
    startedAt: z.string(),
    submittedAt: z.string().optional(),
    reviewedAt: z.string().optional(),
    rejectionReason: z.string().optional(),
  })
  .meta({ id: 'CodeRelease', description: "A winning team's code release: its licence, README and archive, published once an organiser verifies it" });

const StartBody = z
  .object({
    licence: z.string().trim().min(1).max(64).meta({ description: "An SPDX identifier from the challenge's codeRelease.licences" }),
    // The README is shown on the release page: printable text, a generous size.
    readme: z.string().trim().min(20, 'must say what the code is and how to run it (20 characters at least)').max(100_000),
    archiveBytes: z.number().int().min(1),
  })
  .strict()
  .meta({ id: 'CodeReleaseStart' });

const Upload = z.object({ method: z.literal('POST'), url: z.string(), fields: z.record(z.string(), z.string()), maxBytes: z.number(), expiresAt: z.string() });
const TeamReleaseParams = z.object({ challengeId: challengeIdParam, teamId: resourceId('team id') });

/** What a caller reads of a release: never its storage key or who clicked. */
const view = ({ archiveKey: _key, archiveETag: _etag, startedBy: _by, reviewedBy: _reviewer, ...release }: CodeReleaseRecord) => release;

export function codeReleaseRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/code-release',
        tags: ['code releases'],
        summary: "Start (or redo) your winning team's code release: the licence, the README, and an upload URL for the archive",
        security: bearer,
        request: { params: ChallengeParams, body: { required: true, content: { 'application/json': { schema: StartBody } } } },
        responses: { 201: json(z.object({ release: CodeRelease, upload: Upload }), 'Created'), ...commonErrors },
      }),
      async (c) => {
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const { release, upload } = await startCodeRelease(ctx, challenge, userOf(c), c.req.valid('json'));
        return c.json({ release: view(release), upload }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/code-release/complete',
        tags: ['code releases'],
        summary: 'Say the archive is uploaded: the release goes to the organisers for verification',
        security: bearer,
        request: { params: ChallengeParams },
        responses: { 200: json(CodeRelease), ...commonErrors },
      }),
      async (c) => {
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        return c.json(view(await completeCodeRelease(ctx, challenge, userOf(c))), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/code-releases',
        tags: ['code releases'],
        summary: "The winners' verified code releases (organisers see every state; a team also sees its own)",
        request: { params: ChallengeParams },
        responses: { 200: json(z.object({ releases: z.array(CodeRelease) })), 404: commonErrors[404] },
      }),
      async (c) => {
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const viewer = c.get('principal');
        const releases = await listCodeReleases(ctx, challenge, viewer, await ownTeamId(ctx, challenge, viewer));
        return c.json({ releases: releases.map(view) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/code-releases/{teamId}/archive',
        tags: ['code releases'],
        summary: "A short-lived download link to a team's code archive (anyone's once verified)",
        request: { params: TeamReleaseParams },
        responses: { 200: json(z.object({ url: z.string(), fileName: z.string(), bytes: z.number(), expiresAt: z.string() })), 404: commonErrors[404] },
      }),
      async (c) => {
        const { challengeId, teamId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const viewer = c.get('principal');
        return c.json(await codeReleaseDownload(ctx, challenge, teamId, viewer, await ownTeamId(ctx, challenge, viewer)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/code-releases/{teamId}/verify',
        tags: ['organisers'],
        summary: 'Verify a submitted code release: it is published beside the leaderboard (audited)',
        security: bearer,
        request: { params: TeamReleaseParams },
        responses: { 200: json(CodeRelease), ...commonErrors },
      }),
      async (c) => {
        const { challengeId, teamId } = c.req.valid('param');
        return c.json(view(await reviewCodeRelease(ctx, await getChallenge(ctx, challengeId), organiserOf(c), teamId, { decision: 'verify' })), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/admin/challenges/{challengeId}/code-releases/{teamId}/reject',
        tags: ['organisers'],
        summary: 'Send a submitted code release back to its team, with the reason (audited)',
        security: bearer,
        request: {
          params: TeamReleaseParams,
          body: { required: true, content: { 'application/json': { schema: z.object({ reason: z.string().trim().min(3).max(500) }).strict() } } },
        },
        responses: { 200: json(CodeRelease), ...commonErrors },
      }),
      async (c) => {
        const { challengeId, teamId } = c.req.valid('param');
        const { reason } = c.req.valid('json');
        return c.json(view(await reviewCodeRelease(ctx, await getChallenge(ctx, challengeId), organiserOf(c), teamId, { decision: 'reject', reason })), 200);
      },
    );
}
