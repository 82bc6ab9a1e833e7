import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { notFound } from '#shared/errors.ts';
import { findParticipant } from '#shared/participants/participant-record.ts';
import { requireActiveParticipant } from '#shared/participants/registration.ts';
import { mergeTeams } from '#shared/teams/merge-teams.ts';
import { createTeam, joinTeam, leaveTeam, teamOf } from '#shared/teams/team-membership.ts';
import { teamView, type TeamRecord } from '#shared/teams/team-record.ts';
import { memberHandles } from '#shared/teams/member-handles.ts';
import type { ApiDependencies } from '../api-env.ts';
import { userOf } from '../auth.ts';
import { notifyTeamChange } from '#shared/notifications/team-notifications.ts';
import { newRouter } from '../router.ts';
import { bearer, ChallengeParams, commonErrors, json } from '../schemas.ts';

/** What every view of a team shares (the organisers' TeamAdminView extends it). */
export const Team = z.object({
  teamId: z.string(),
  name: z.string(),
  members: z.array(z.string()).describe('user ids, sorted'),
  inviteCode: z.string(),
  createdAt: z.string(),
  solo: z.boolean(),
  disqualified: z.boolean(),
});
const TeamMember = z
  .object({ userId: z.string(), handle: z.string().describe('the public handle the discussion shows, from the display name; never an e-mail') })
  .meta({ id: 'TeamMember' });
/** A team as its members see it: with each member's handle. */
const MyTeam = Team.extend({ memberHandles: z.array(TeamMember).describe('in the order of `members`') }).meta({ id: 'Team' });
const InviteBody = { required: true, content: { 'application/json': { schema: z.object({ inviteCode: z.string().trim().min(4).max(32) }) } } };
// Team names are shown on public leaderboards and exported to spreadsheets: printable text only.
const TeamName = z
  .string()
  .trim()
  .min(2)
  .max(60)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must not contain control or invisible formatting characters');

export function teamRoutes({ ctx }: ApiDependencies) {
  const myTeamView = async (team: TeamRecord) => ({ ...teamView(team), memberHandles: await memberHandles(ctx, team) });
  return newRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/teams',
        tags: ['teams'],
        summary: 'Create a team (you become its first member)',
        security: bearer,
        request: { params: ChallengeParams, body: { required: true, content: { 'application/json': { schema: z.object({ name: TeamName }) } } } },
        responses: { 201: json(MyTeam, 'Created'), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const participant = await requireActiveParticipant(ctx, challenge, principal);
        return c.json(await myTeamView(await createTeam(ctx, challenge, participant, principal, c.req.valid('json').name)), 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/challenges/{challengeId}/teams/mine',
        tags: ['teams'],
        summary: 'My team',
        security: bearer,
        request: { params: ChallengeParams },
        responses: { 200: json(MyTeam), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const participant = await findParticipant(ctx, challenge.id, principal.userId);
        const team = participant ? await teamOf(ctx, challenge, participant, principal) : undefined;
        if (!team) throw notFound(`your team in ${challenge.id}`);
        return c.json(await myTeamView(team), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/teams/join',
        tags: ['teams'],
        summary: 'Join a team with its invite code',
        security: bearer,
        request: { params: ChallengeParams, body: InviteBody },
        responses: { 200: json(MyTeam), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const participant = await requireActiveParticipant(ctx, challenge, principal);
        const team = await joinTeam(ctx, challenge, participant, principal, c.req.valid('json').inviteCode);
        await notifyTeamChange(ctx, challenge, team, principal, 'join');
        return c.json(await myTeamView(team), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/teams/leave',
        tags: ['teams'],
        summary: 'Leave my team (not possible once it has submitted)',
        security: bearer,
        request: { params: ChallengeParams },
        responses: { 200: json(z.object({ left: z.string() })), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const participant = await requireActiveParticipant(ctx, challenge, principal);
        return c.json(await leaveTeam(ctx, challenge, participant, principal), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/challenges/{challengeId}/teams/merge',
        tags: ['teams'],
        summary: "Merge my team into the invite code's team (until the merge deadline, if the submission counts fit the quota)",
        security: bearer,
        request: { params: ChallengeParams, body: InviteBody },
        responses: { 200: json(MyTeam), ...commonErrors },
      }),
      async (c) => {
        const principal = userOf(c);
        const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
        const participant = await requireActiveParticipant(ctx, challenge, principal);
        const team = await mergeTeams(ctx, challenge, participant, principal, c.req.valid('json').inviteCode);
        await notifyTeamChange(ctx, challenge, team, principal, 'merge');
        return c.json(await myTeamView(team), 200);
      },
    );
}
