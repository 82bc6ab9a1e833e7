import { createRoute } from '../../openapi/route-definition.ts';
import * as z from 'zod';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { countTeamSubmissions } from '#shared/submissions/list-submissions.ts';
import { setTeamDisqualified } from '#shared/teams/disqualify-team.ts';
import { listTeamsPage, teamView } from '#shared/teams/team-record.ts';
import type { ApiDependencies } from '../../api-env.ts';
import { organiserOf } from '../../auth.ts';
import { newRouter, type RouteHandler } from '../../router.ts';
import { Team } from '../teams.ts';
import { bearer, ChallengeParams, challengeIdParam, commonErrors, json } from '../../schemas.ts';

const TeamParams = z.object({ challengeId: challengeIdParam, teamId: z.string().min(1).max(128) });
const TeamAdminView = Team.extend({ disqualifiedReason: z.string().optional() }).meta({ id: 'TeamAdminView' });
const ReasonBody = { required: true, content: { 'application/json': { schema: z.object({ reason: z.string().trim().min(3).max(500) }) } } };

const TeamSummary = z
  .object({
    teamId: z.string(),
    name: z.string(),
    members: z.array(z.string()).describe('user ids'),
    solo: z.boolean(),
    createdAt: z.string(),
    disqualified: z.boolean(),
    disqualifiedReason: z.string().optional(),
    submissions: z.number().int().describe('in every phase, whatever their state'),
  })
  .meta({ id: 'TeamSummary' });

const TeamsPage = z
  .object({ teams: z.array(TeamSummary), nextCursor: z.string().optional().describe('pass as `cursor` for the next page; absent on the last') })
  .meta({ id: 'TeamsPage' });

export function adminTeamRoutes({ ctx }: ApiDependencies) {
  const route = <M extends 'post' | 'delete'>(method: M, disqualified: boolean, path = '/admin/challenges/{challengeId}/teams/{teamId}/disqualify') =>
    createRoute({
      method,
      path,
      tags: ['organisers'],
      summary: disqualified ? 'Disqualify a team (hidden from leaderboards; audited)' : 'Reinstate a disqualified team (audited)',
      security: bearer,
      request: { params: TeamParams, body: ReasonBody },
      responses: { 200: json(TeamAdminView), ...commonErrors },
    });
  const reinstate: RouteHandler<ReturnType<typeof route>> = async (c) => {
    const organiser = organiserOf(c);
    const { challengeId, teamId } = c.req.valid('param');
    const challenge = await getChallenge(ctx, challengeId);
    return c.json(teamView(await setTeamDisqualified(ctx, challenge.id, teamId, false, organiser, c.req.valid('json').reason)), 200);
  };
  return (
    newRouter()
      .openapi(
        createRoute({
          method: 'get',
          path: '/admin/challenges/{challengeId}/teams',
          tags: ['organisers'],
          summary: 'The teams, a page at a time (merged-away teams left out), with their members, their submission count and whether they are disqualified',
          security: bearer,
          request: {
            params: ChallengeParams,
            query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(2048).optional() }),
          },
          responses: { 200: json(TeamsPage), ...commonErrors },
        }),
        async (c) => {
          organiserOf(c);
          const challenge = await getChallenge(ctx, c.req.valid('param').challengeId);
          const { limit, cursor } = c.req.valid('query');
          const page = await listTeamsPage(ctx, challenge.id, { limit, ...(cursor ? { cursor } : {}) });
          const teams = await Promise.all(
            page.teams.map(async (team) => {
              const { inviteCode: _hidden, ...view } = teamView(team);
              const submissions = await countTeamSubmissions(ctx, challenge.id, team.teamId);
              return { ...view, ...(team.disqualifiedReason ? { disqualifiedReason: team.disqualifiedReason } : {}), submissions };
            }),
          );
          return c.json({ teams, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, 200);
        },
      )
      .openapi(route('post', true), async (c) => {
        const organiser = organiserOf(c);
        const { challengeId, teamId } = c.req.valid('param');
        const challenge = await getChallenge(ctx, challengeId);
        const { reason } = c.req.valid('json');
        const team = await setTeamDisqualified(ctx, challenge.id, teamId, true, organiser, reason);
        return c.json({ ...teamView(team), disqualifiedReason: team.disqualifiedReason ?? reason }, 200);
      })
      .openapi(route('delete', false), reinstate)
      // The same as DELETE …/disqualify, as a verb for clients (the web console) that send only GET and POST.
      .openapi(route('post', false, '/admin/challenges/{challengeId}/teams/{teamId}/reinstate'), reinstate)
  );
}
