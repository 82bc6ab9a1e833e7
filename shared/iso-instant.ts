import * as z from 'zod';

export const ISO_INSTANT_HINT = 'an ISO 8601 date (2026-03-01) or time with its zone (2026-03-01T12:00:00Z)';

/**
 * One instant: an ISO 8601 date (its midnight UTC) or a time with its zone (a time without one
 * depends on the reader's). Zod checks the day exists (JavaScript's parser reads 2026-02-30 as 2 March).
 *
 * @example isoInstant.safeParse('2026-02-30').success // false
 */
export const isoInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: `must be ${ISO_INSTANT_HINT}` });
