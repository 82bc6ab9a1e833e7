import type { PodiumContext } from '../context.ts';
import { readTimeOrderedPage, type TimeOrderedPageRequest, type TimeRange } from '../storage/time-ordered-page.ts';
import { keys } from '../storage/table-design.ts';
import type { AuditEntry } from './audit-log.ts';

/** What an organiser narrows the audit log to: who acted, which action, when. */
export interface AuditFilter extends TimeRange {
  actor?: string | undefined;
  action?: string | undefined;
}

/**
 * One page of the audit log (`readTimeOrderedPage`): the time range is the key condition, actor and
 * action filter what it reads. Apart from `audit-log.ts` so that only the organiser routes load it.
 */
export async function listAuditPage(
  ctx: PodiumContext,
  challengeId: string,
  { actor, action, from, to }: AuditFilter,
  page: TimeOrderedPageRequest,
): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
  const partition = keys.auditLogEntry(challengeId, '', '').pk;
  const { items, nextCursor } = await readTimeOrderedPage<AuditEntry>(ctx, partition, { from, to }, { actor, action }, page);
  const entries = items.map(({ at, actor, action, target, reason, details }) => ({
    at,
    actor,
    action,
    target,
    ...(reason && { reason }),
    ...(details && { details }),
  }));
  return { entries, ...(nextCursor && { nextCursor }) };
}
