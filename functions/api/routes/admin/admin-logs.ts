import * as z from 'zod';
import { listAuditPage } from '#shared/audit/audit-log.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { listAccessLogPage } from '#shared/data-access/access-log.ts';
import { PodiumError } from '#shared/errors.ts';
import { ISO_INSTANT_HINT, isIsoInstant } from '#shared/iso-instant.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { createRoute } from '../../openapi/route-definition.ts';
import { newRouter } from '../../router.ts';
import { bearer, ChallengeParams, commonErrors, json } from '../../schemas.ts';

const instant = (description: string) =>
  z.string().max(40).refine(isIsoInstant, `must be ${ISO_INSTANT_HINT}`).optional().meta({ description, example: '2026-03-01' });
const filterValue = (description: string) => z.string().trim().min(1).max(320).optional().meta({ description });

/** What both logs are paged by: a time range (the key condition), the order, the page size and the cursor. */
const LogPageQuery = z.object({
  from: instant('only entries at or after this time (a date is its midnight UTC)'),
  to: instant('only entries before this time'),
  order: z.enum(['oldest', 'newest']).default('oldest').meta({ description: 'oldest first (the default) or newest first' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(2048).optional().meta({ description: '`nextCursor` of the previous page (with the same filters)' }),
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
const nextCursor = z.string().optional().meta({ description: 'pass as `cursor` for the next page; absent once the range is read to its end' });
const AccessLogPage = z.object({ entries: z.array(AccessLogEntry), nextCursor }).meta({ id: 'AccessLogPage' });
const AuditLogPage = z.object({ entries: z.array(AuditEntry), nextCursor }).meta({ id: 'AuditLogPage' });

const PAGE_NOTE =
  'A page holds at most `limit` entries; it may hold fewer, even none, while `nextCursor` is present (the filters are applied to ' +
  'at most 2,000 entries read a request). `from`/`to` bound the query itself; the other filters are applied to what it reads.';

/** The range as stored (`toISOString`), refused when empty: 400 naming `query.to`. */
function timeRange(from: string | undefined, to: string | undefined): { from?: string; to?: string } {
  const range = { ...(from ? { from: new Date(from).toISOString() } : {}), ...(to ? { to: new Date(to).toISOString() } : {}) };
  if (range.from && range.to && range.from >= range.to) {
    throw new PodiumError('VALIDATION_FAILED', `to: must be after from (${range.from})`, { issues: [{ field: 'query.to', message: 'must be after from' }] });
  }
  return range;
}

export function adminLogRoutes({ ctx }: ApiDependencies) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/access-log',
        tags: ['organisers'],
        summary: 'Every dataset download URL issued: who, which file, when; filtered by user, dataset and time, a page at a time',
        description: PAGE_NOTE,
        security: bearer,
        request: {
          params: ChallengeParams,
          query: LogPageQuery.extend({
            user: filterValue('only this user: a user id, or an e-mail (compared lower-cased)'),
            dataset: filterValue('only this dataset id'),
          }),
        },
        responses: { 200: json(AccessLogPage), ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const { user, dataset, from, to, order, limit, cursor } = c.req.valid('query');
        const filter = { ...timeRange(from, to), ...(user ? { user } : {}), ...(dataset ? { datasetId: dataset } : {}) };
        return c.json(await listAccessLogPage(ctx, challenge.id, filter, { order, limit, ...(cursor ? { cursor } : {}) }), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/admin/challenges/{challengeId}/audit-log',
        tags: ['organisers'],
        summary: 'Organiser actions on the challenge, filtered by actor, action and time, a page at a time',
        description: PAGE_NOTE,
        security: bearer,
        request: {
          params: ChallengeParams,
          query: LogPageQuery.extend({
            actor: filterValue('only actions by this user id'),
            action: filterValue('only this action (e.g. `phase.pause`; docs/API.md lists them)'),
          }),
        },
        responses: { 200: json(AuditLogPage), ...commonErrors },
      }),
      async (c) => {
        organiserOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const { actor, action, from, to, order, limit, cursor } = c.req.valid('query');
        const filter = { ...timeRange(from, to), ...(actor ? { actor } : {}), ...(action ? { action } : {}) };
        return c.json(await listAuditPage(ctx, challenge.id, filter, { order, limit, ...(cursor ? { cursor } : {}) }), 200);
      },
    );
}
