/** An ISO 8601 date (`2026-03-01`, its midnight UTC) or time with its zone (`2026-03-01T12:00:00Z`, `…+02:00`). */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const ISO_INSTANT_HINT = 'an ISO 8601 date (2026-03-01) or time with its zone (2026-03-01T12:00:00Z)';

/**
 * Whether `value` names one instant: ISO 8601 with a day that exists (JavaScript's parser would
 * read 2026-02-30 as 2 March) and, with a time, its zone (a time without one depends on the reader's).
 *
 * @example isIsoInstant('2026-03-01') // true; isIsoInstant('2026-02-30') // false
 */
export function isIsoInstant(value: string): boolean {
  const match = ISO_INSTANT.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
