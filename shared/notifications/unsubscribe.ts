import type { PodiumContext } from '../context.ts';
import { PodiumError } from '../errors.ts';
import { changePreferences, preferencesView } from './notification-preferences.ts';
import { verifyUnsubscribeToken } from './unsubscribe-token.ts';

/** Turns off the e-mails a signed link names; clicking it again changes nothing. */
export async function unsubscribe(ctx: PodiumContext, token: string) {
  const secret = ctx.notifications?.unsubscribeSecret;
  if (!secret) throw new PodiumError('NOT_FOUND', 'this Podium sends no e-mail, so there is nothing to unsubscribe from');
  const claim = verifyUnsubscribeToken(typeof secret === 'string' ? secret : await secret(), token);
  const preferences = await changePreferences(ctx, claim.userId, { [claim.type]: { email: false } });
  return { unsubscribed: claim.type, preferences: preferencesView(preferences) };
}
