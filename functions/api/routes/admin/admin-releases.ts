import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { recordDataRelease } from '#shared/releases/data-release.ts';
import { MAX_RELEASE_OBJECTS } from '#shared/releases/open-data-upload.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { createRoute } from '../../openapi/route-definition.ts';
import { newRouter } from '../../router.ts';
import { bearer, ChallengeParams, commonErrors, json } from '../../schemas.ts';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lowercase hex');
const DataRelease = z
  .object({
    releaseId: z.string(),
    challengeId: z.string(),
    datasets: z.array(z.string()),
    destination: z.string(),
    files: z.number(),
    manifestSha256: z.string().meta({ description: "SHA-256 of the release's manifest.json" }),
    releasedBy: z.string(),
    releasedAt: z.string(),
    uploads: z
      .array(z.object({ path: z.string(), url: z.string(), headers: z.record(z.string(), z.string()) }))
      .optional()
      .meta({ description: 'for an open-data release: a signed PUT per object; send the headers as given' }),
    uploadsExpireAt: z.string().optional(),
  })
  .meta({ id: 'DataRelease', description: 'A recorded open-data release (docs/API.md)' });

/** Open-data releases: recorded (and refused while a phase using the data is open); the organiser publishes the files. */
export function adminReleaseRoutes({ ctx }: ApiDependencies) {
  return newRouter().openapi(
    createRoute({
      method: 'post',
      path: '/admin/challenges/{challengeId}/data-releases',
      tags: ['organisers'],
      summary: 'Record a release of datasets to open data (409 while a phase using them has not closed); audit-logged',
      security: bearer,
      request: {
        params: ChallengeParams,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .object({
                  datasets: z.array(z.string().min(1).max(128)).min(1).max(50),
                  destination: z.string().min(1).max(1000).optional(),
                  openData: z
                    .array(z.object({ path: z.string().min(1).max(1024), bytes: z.number().int().min(0), sha256: Sha256 }).strict())
                    .min(1)
                    .max(MAX_RELEASE_OBJECTS)
                    .optional()
                    .meta({ description: "every object of the release, for the open-data bucket: the answer's `uploads` holds a signed PUT for each" }),
                  files: z.number().int().min(0),
                  manifestSha256: Sha256,
                })
                .strict()
                .refine((body) => (body.destination === undefined) !== (body.openData === undefined), {
                  message: 'give either destination (a folder) or openData (the objects to upload to the open-data bucket)',
                }),
            },
          },
        },
      },
      responses: { 201: json(DataRelease, 'Recorded'), ...commonErrors },
    }),
    async (c) => {
      const organiser = organiserOf(c);
      const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
      const { openData, destination, ...body } = c.req.valid('json');
      const target = openData ? { openData } : { destination: destination! };
      return c.json(await recordDataRelease(ctx, challenge, { ...body, ...target }, organiser.userId), 201);
    },
  );
}
