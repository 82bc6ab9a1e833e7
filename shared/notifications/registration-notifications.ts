import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import type { ParticipantRecord } from '../participants/participant-record.ts';
import { eventId } from './notification-event.ts';
import { publishNotification } from './publish-notification.ts';

/** Tells a participant their registration was approved (once: the event id is the registration's). */
export async function notifyRegistrationApproved(ctx: PodiumContext, challenge: Challenge, participant: ParticipantRecord): Promise<void> {
  if (participant.status !== 'approved') return;
  await publishNotification(
    ctx,
    challenge,
    {
      id: eventId('registration', challenge.id, participant.userId, 'approved'),
      type: 'registration.approved',
      challengeId: challenge.id,
      title: `Your registration to ${challenge.title} is approved`,
      text:
        `An organiser approved your registration to ${challenge.title}: you can now download the data and submit.\n` +
        `Start with: podium download ${challenge.id}`,
      link: `/challenges/${challenge.id}`,
    },
    [{ userId: participant.userId, email: participant.email }],
  );
}

/**
 * Tells a participant an organiser rejected their registration, or revoked it (once per refusal:
 * the event id is the registration's and the refusal's time), with the organiser's reason when given.
 */
export async function notifyRegistrationRefused(ctx: PodiumContext, challenge: Challenge, participant: ParticipantRecord): Promise<void> {
  if (participant.status !== 'rejected' && participant.status !== 'revoked') return;
  const rejected = participant.status === 'rejected';
  const why = participant.refusalReason ? `\nThe organisers' reason: ${participant.refusalReason}` : '';
  await publishNotification(
    ctx,
    challenge,
    {
      id: eventId('registration', challenge.id, participant.userId, participant.status, participant.refusedAt ?? ''),
      type: 'registration.rejected',
      challengeId: challenge.id,
      title: rejected ? `Your registration to ${challenge.title} was not accepted` : `Your registration to ${challenge.title} was withdrawn`,
      text:
        (rejected
          ? `An organiser rejected your registration to ${challenge.title}: you cannot download its data or submit.`
          : `An organiser revoked your registration to ${challenge.title}: you can no longer download its data or submit.`) +
        `${why}\nWrite to the organisers if you think this is a mistake.`,
      link: `/challenges/${challenge.id}`,
    },
    [{ userId: participant.userId, email: participant.email }],
  );
}
