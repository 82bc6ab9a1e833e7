import { PodiumError } from '../errors.ts';

/** An opaque page cursor: the last key read, base64url JSON. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/** The refusal of a cursor this API did not return (or returned for another listing): 400 naming `query.cursor`. */
export function invalidCursor(): PodiumError {
  return new PodiumError('VALIDATION_FAILED', 'cursor: is not a cursor this API returned', {
    issues: [{ field: 'query.cursor', message: 'is not a cursor this API returned' }],
  });
}

/** The key a cursor holds; a cursor that is not one this API wrote is `invalidCursor()`. */
export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key) && Object.values(key).every((value) => typeof value === 'string'))
      return key as Record<string, string>;
  } catch {
    // fall through to the error below
  }
  throw invalidCursor();
}
