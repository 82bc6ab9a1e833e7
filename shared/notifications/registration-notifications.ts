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
