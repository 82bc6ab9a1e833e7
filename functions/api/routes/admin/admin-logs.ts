import * as z from 'zod';
import { listAuditPage } from '#shared/audit/audit-log-page.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { listAccessLogPage } from '#shared/data-access/access-log-page.ts';
import { PodiumError } from '#shared/errors.ts';
import { isoInstant } from '#shared/iso-instant.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { createRoute } from '../../openapi/route-definition.ts';
import { newRouter } from '../../router.ts';
import { bearer, ChallengeParams, commonErrors, json } from '../../schemas.ts';

const instant = (description: string) => isoInstant.optional().meta({ description });
const exact = (description: string) => z.string().trim().min(1).max(320).optional().meta({ description });

/** What both logs are paged by: a time range (the query's key condition), the order, the page size and the cursor. */
const LogPageQuery = z.object({
  from: instant('included'),
  to: instant('excluded'),
  order: z.enum(['oldest', 'newest']).default('oldest'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(2048).optional(),
});

const AccessLogEntry = z
  .object({ at: z.string(), userId: z.string(), email: z.string(), datasetId: z.string(), path: z.string(), expiresAt: z.string() })
  .meta({ id: 'AccessLogEntry', description: 'One dataset download URL issued' });
const AuditEntry = z
  .object({
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    reason: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AuditEntry', description: 'One organiser action (docs/API.md lists the actions)' });
const nextCursor = z.string().optional();

/** The range as stored (`toISOString`), refused when empty: 400 naming `query.to`. */
function timeRange(from: string | undefined, to: string | undefined) {
  const range = { ...(from ? { from: new Date(from).toISOString() } : {}), ...(to ? { to: new Date(to).toISOString() } : {}) };
  if (range.from && range.to && range.from >= range.to) {
    throw new PodiumError('VALIDATION_FAILED', 'to: must be after from', { issues: [{ field: 'query.to', message: 'must be after from' }] });
  }
  return range;
}

/** One log's route: the shared paging query plus the log's own filters (docs/API.md, Reading the logs). */
const logRoute = <Query extends z.ZodRawShape, Entry extends z.ZodType>(log: string, what: string, filters: Query, entry: Entry, pageId: string) =>
  createRoute({
    method: 'get',
    path: `/admin/challenges/{challengeId}/${log}`,
    tags: ['organisers'],
    summary: `${what}, filtered and paged`,
    description: 'docs/API.md, Reading the logs: a page may hold fewer than `limit` entries while `nextCursor` is present.',
    security: bearer,
    request: { params: ChallengeParams, query: LogPageQuery.extend(filters) },
    responses: { 200: json(z.object({ entries: z.array(entry), nextCursor }).meta({ id: pageId })), ...commonErrors },
  });

export function adminLogRoutes({ ctx }: ApiDependencies) {
  const accessLog = logRoute(
    'access-log',
    'Every dataset download URL issued: who, which file, when',
    { user: exact('a user id or e-mail'), dataset: exact('a dataset id') },
    AccessLogEntry,
    'AccessLogPage',
  );
  const auditLog = logRoute(
    'audit-log',
    'Organiser actions on the challenge',
    { actor: exact('a user id'), action: exact('phase.pause, …') },
    AuditEntry,
    'AuditLogPage',
  );
  return newRouter()
    .openapi(accessLog, async (c) => {
      organiserOf(c);
      const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
      const { user, dataset, from, to, ...page } = c.req.valid('query');
      return c.json(await listAccessLogPage(ctx, challenge.id, { ...timeRange(from, to), user, datasetId: dataset }, page), 200);
    })
    .openapi(auditLog, async (c) => {
      organiserOf(c);
      const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
      const { actor, action, from, to, ...page } = c.req.valid('query');
      return c.json(await listAuditPage(ctx, challenge.id, { ...timeRange(from, to), actor, action }, page), 200);
    });
}
