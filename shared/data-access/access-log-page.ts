import type { PodiumContext } from '../context.ts';
import { readTimeOrderedPage, type TimeOrderedPageRequest, type TimeRange } from '../storage/time-ordered-page.ts';
import { keys } from '../storage/table-design.ts';
import type { AccessLogEntry } from './access-log.ts';

/** What an organiser narrows the access log to: whose downloads (a user id or an e-mail), which dataset, when. */
export interface AccessLogFilter extends TimeRange {
  user?: string | undefined;
  datasetId?: string | undefined;
}

/**
 * One page of the access log (`readTimeOrderedPage`): the time range is the key condition, the user
 * and dataset filter what it reads. An e-mail (`@`) is compared lower-cased, as principals' e-mails
 * are recorded. Apart from `access-log.ts` so that only the organiser routes load it.
 */
export async function listAccessLogPage(
  ctx: PodiumContext,
  challengeId: string,
  { user, datasetId, from, to }: AccessLogFilter,
  page: TimeOrderedPageRequest,
): Promise<{ entries: AccessLogEntry[]; nextCursor?: string }> {
  const partition = keys.accessLogEntry(challengeId, '', '').pk;
  const who = user?.includes('@') ? { email: user.toLowerCase() } : { userId: user };
  const { items, nextCursor } = await readTimeOrderedPage<AccessLogEntry>(ctx, partition, { from, to }, { ...who, datasetId }, page);
  const entries = items.map(({ at, userId, email, datasetId, path, expiresAt }) => ({ at, userId, email, datasetId, path, expiresAt }));
  return { entries, ...(nextCursor && { nextCursor }) };
}
