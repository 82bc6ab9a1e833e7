import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { recordAudit } from '#shared/audit/audit-log.ts';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { notifyRulesChanged } from '#shared/notifications/rules-notifications.ts';
import { parseChallengeFile, rulesVersionOf } from '#shared/challenge/challenge.ts';
import { PAGE_MAX_BYTES, TAB_PAGES, type ChallengeFile } from '#shared/challenge/definition-schema.ts';
import { scoringProgramFrom, scoringProgramProblem, type ScoringProgram } from '#shared/challenge/scoring-program.ts';
import { PodiumError } from '#shared/errors.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter } from '../../router.ts';
import { bearer, ChallengeParams, commonErrors, json } from '../../schemas.ts';

const DefinitionBody = z
  .looseObject({
    descriptionMarkdown: z.string().min(1).max(1_000_000),
    rulesMarkdown: z.string().min(1).max(1_000_000),
    /** The tab pages the file's `pages` names beyond the overview and the rules. */
    pagesMarkdown: z.partialRecord(z.enum(TAB_PAGES), z.string().min(1).max(PAGE_MAX_BYTES)).optional(),
    /** The text of the file `metric.path` names, when `metric.kind` is `program`. */
    scoringProgramSource: z.string().optional(),
  })
  .meta({ id: 'ChallengeDefinition', description: 'The challenge file (challenge.yaml) as JSON, plus its pages' });

/** The scoring program a definition carries: required with a program metric, refused without one. */
function scoringProgramOf({ metric }: ChallengeFile, source: string | undefined): { scoringProgram?: ScoringProgram } {
  const program = metric.kind === 'program';
  const problem =
    source === undefined
      ? program && `is required with a program metric: the text of ${metric.path}`
      : program
        ? scoringProgramProblem(Buffer.from(source))
        : 'is only allowed with a program metric';
  const field = 'body.scoringProgramSource';
  if (problem) throw new PodiumError('VALIDATION_FAILED', `${field}: ${problem}`, { issues: [{ field, message: problem }] });
  return program ? { scoringProgram: scoringProgramFrom(metric.path, Buffer.from(source!)) } : {};
}

const RegistrationQuery = z.object({
  force: z.enum(['true', 'false']).optional().meta({ description: 'change the runtime of an open phase (needs reason; audit-logged)' }),
  reason: z.string().trim().min(1).max(1000).optional().meta({ description: 'why the forced change: kept in the audit log' }),
});

const RuntimeChangeSchema = z
  .object({ phaseId: z.string(), from: z.string(), to: z.string(), open: z.boolean() })
  .meta({ id: 'RuntimeChange', description: 'A phase whose runtime image the definition changed; `open`: forced while the phase was open' });

export function adminChallengeRoutes({ ctx }: ApiDependencies) {
  return newRouter().openapi(
    createRoute({
      method: 'put',
      path: '/admin/challenges/{challengeId}',
      tags: ['organisers'],
      summary: 'Register or update a challenge definition (validated with the challenge schema)',
      description:
        'Changing the runtime (`runtime.image`) of a phase that is open is refused (409 INVALID_STATE) unless `force=true` ' +
        'with a `reason`; the forced change is audit-logged (`phase.runtime-change`).',
      security: bearer,
      request: {
        params: ChallengeParams,
        query: RegistrationQuery,
        body: { required: true, content: { 'application/json': { schema: DefinitionBody } } },
      },
      responses: {
        200: json(z.object({ id: z.string(), rulesVersion: z.string(), changed: z.boolean(), runtimeChanges: z.array(RuntimeChangeSchema) })),
        ...commonErrors,
      },
    }),
    async (c) => {
      const organiser = organiserOf(c);
      const { challengeId } = c.req.valid('param');
      const { force, reason } = c.req.valid('query');
      const { descriptionMarkdown, rulesMarkdown, pagesMarkdown, scoringProgramSource, ...file } = c.req.valid('json');
      const parsed = parseChallengeFile(file, `definition of ${challengeId}`);
      if (parsed.id !== challengeId) {
        throw new PodiumError('VALIDATION_FAILED', `body.id: "${parsed.id}" does not match the path's challenge id "${challengeId}"`, {
          issues: [{ field: 'body.id', message: 'must equal the path challenge id' }],
        });
      }
      const program = scoringProgramOf(parsed, scoringProgramSource);
      const challenge = {
        ...parsed,
        descriptionMarkdown,
        rulesMarkdown,
        rulesVersion: rulesVersionOf(rulesMarkdown),
        ...(pagesMarkdown && Object.keys(pagesMarkdown).length > 0 ? { pagesMarkdown } : {}),
        ...program,
      };
      const { changed, runtimeChanges } = await registerChallenge(ctx, challenge, {
        by: organiser.userId,
        force: force === 'true',
        ...(reason ? { reason } : {}),
      });
      if (changed) {
        await recordAudit(ctx, challenge.id, {
          actor: organiser.userId,
          action: 'challenge.update',
          target: challenge.id,
          details: { rulesVersion: challenge.rulesVersion },
        });
        await notifyRulesChanged(ctx, await getChallenge(ctx, challenge.id));
      }
      return c.json({ id: challenge.id, rulesVersion: challenge.rulesVersion, changed, runtimeChanges }, 200);
    },
  );
}
