import type { Challenge } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import type { Principal } from '../identity/principal.ts';
import type { TeamRecord } from '../teams/team-record.ts';
import { teamRecipients } from './audiences.ts';
import { eventId } from './notification-event.ts';
import { publishNotification } from './publish-notification.ts';

/** Tells a team's other members that someone joined or merged in (once per team, member and kind). */
export async function notifyTeamChange(ctx: PodiumContext, challenge: Challenge, team: TeamRecord, by: Principal, kind: 'join' | 'merge'): Promise<void> {
  const others = (await teamRecipients(ctx, challenge.id, team.teamId, by.userId)).filter((recipient) => recipient.userId !== by.userId);
  if (others.length === 0) return;
  const who = by.displayName ?? 'A participant';
  await publishNotification(
    ctx,
    challenge,
    {
      id: eventId('team', kind, challenge.id, team.teamId, by.userId),
      type: kind === 'join' ? 'team.join' : 'team.merge',
      challengeId: challenge.id,
      title: kind === 'join' ? `${who} joined your team ${team.name}` : `${who}'s team merged into ${team.name}`,
      text: `Your team ${team.name} in ${challenge.title} changed. See it with: podium team invite -c ${challenge.id} (it lists the team)`,
      link: `/challenges/${challenge.id}/teams/mine`,
    },
    others,
  );
}
