import { createHmac, timingSafeEqual } from 'node:crypto';
import { PodiumError } from '../errors.ts';
import { NOTIFICATION_TYPES, type NotificationType } from './notification-event.ts';

export interface UnsubscribeClaim {
  userId: string;
  /** One kind of e-mail, or `all`. */
  type: NotificationType | 'all';
}

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

/**
 * The token of an e-mail's one-click unsubscribe link: who and which kind of e-mail, signed with
 * HMAC-SHA-256. It never expires (an old e-mail's link keeps working), grants nothing but turning
 * e-mails off, and using it twice changes nothing.
 */
export function unsubscribeToken(secret: string, claim: UnsubscribeClaim): string {
  const payload = Buffer.from(JSON.stringify({ u: claim.userId, t: claim.type })).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeClaim {
  const invalid = new PodiumError('VALIDATION_FAILED', 'token: this unsubscribe link is not valid (altered or not from this Podium)', {
    issues: [{ field: 'query.token', message: 'is not a valid unsubscribe token' }],
  });
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length) throw invalid;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
  try {
    const { u, t } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u: unknown; t: unknown };
    if (typeof u === 'string' && (t === 'all' || NOTIFICATION_TYPES.includes(t as NotificationType))) return { userId: u, type: t as UnsubscribeClaim['type'] };
  } catch {
    // fall through
  }
  throw invalid;
}
