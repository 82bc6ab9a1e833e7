import { handleOf } from '../discussion/mentions.ts';
import { soloTeamId } from '../teams/team-record.ts';

/** The name other participants see for an account: its display name, never its e-mail; a stable stand-in without one. */
export function publicName(userId: string, displayName?: string): string {
  return displayName?.trim() || `Participant ${soloTeamId(userId).slice(5, 11)}`;
}

/**
 * The handle other participants know an account by, as the discussion shows it ("Ada Lovelace" → `adalovelace`).
 * A name with too few letters or digits to make one falls back to the stand-in.
 */
export function publicHandle(userId: string, displayName?: string): string {
  const handle = handleOf(publicName(userId, displayName));
  return handle.length >= 2 ? handle : handleOf(publicName(userId));
}
