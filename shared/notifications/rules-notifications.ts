import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { listParticipants } from '../participants/participant-record.ts';
import { eventId } from './notification-event.ts';
import { publishNotification } from './publish-notification.ts';

/**
 * Tells every participant who accepted earlier rules that the rules changed: until they accept
 * the new version, downloads and submissions answer RULES_NOT_ACCEPTED. One event per rules
 * version, so saving the definition again tells nobody twice.
 */
export async function notifyRulesChanged(ctx: PodiumContext, challenge: Challenge): Promise<number> {
  const behind = (await listParticipants(ctx, challenge.id)).filter((participant) => participant.acceptedRulesVersion !== challenge.rulesVersion);
  if (behind.length === 0) return 0;
  await publishNotification(
    ctx,
    challenge,
    {
      id: eventId('rules', challenge.id, challenge.rulesVersion),
      type: 'rules.changed',
      challengeId: challenge.id,
      title: `The rules of ${challenge.title} changed`,
      text:
        `The organisers changed the rules of ${challenge.title}. Read and accept the new version to keep downloading and submitting:\n` +
        `podium join ${challenge.id}`,
      link: `/challenges/${challenge.id}/rules`,
    },
    behind.map((participant) => ({ userId: participant.userId, email: participant.email })),
  );
  return behind.length;
}
