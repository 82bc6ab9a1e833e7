import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { components } from '../../../../api-client/openapi.d.ts';
import { DataTable } from '../../components/data-table.tsx';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import type { Challenge } from '../../lib/challenge-view.ts';
import { answerOf, podiumApi } from '../../lib/podium-api.ts';
import { ConfirmAction } from './confirm-action.tsx';

type TeamSummary = components['schemas']['TeamSummary'];
const PAGE_SIZE = 25;

/** The challenge's teams, a page at a time (the API's cursor), each disqualified or reinstated after a confirmation with a reason. */
export function TeamsPanel({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  // The cursors of the pages seen so far: going back reuses them, going forward appends the API's next one.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [confirming, setConfirming] = useState<{ team: TeamSummary; disqualify: boolean }>();
  const [done, setDone] = useState<string>();
  const cursor = cursors.at(-1);
  const page = useQuery({
    queryKey: ['admin-teams', challenge.id, cursor ?? ''],
    queryFn: () =>
      answerOf(
        podiumApi.GET('/admin/challenges/{challengeId}/teams', {
          params: { path: { challengeId: challenge.id }, query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
        }),
      ),
  });
  const act = useMutation({
    mutationFn: ({ team, disqualify, reason }: { team: TeamSummary; disqualify: boolean; reason: string }) => {
      const options = { params: { path: { challengeId: challenge.id, teamId: team.teamId } }, body: { reason } };
      return answerOf(
        disqualify
          ? podiumApi.POST('/admin/challenges/{challengeId}/teams/{teamId}/disqualify', options)
          : podiumApi.DELETE('/admin/challenges/{challengeId}/teams/{teamId}/disqualify', options),
      );
    },
    onSuccess: (_, { team, disqualify }) => {
      setConfirming(undefined);
      setDone(t(disqualify ? 'console.didDisqualify' : 'console.didReinstate', { team: team.name }));
      void queryClient.invalidateQueries({ queryKey: ['admin-teams', challenge.id] });
      void queryClient.invalidateQueries({ queryKey: ['leaderboard', challenge.id] });
    },
  });
  if (page.error) return <ErrorMessage error={page.error} />;
  if (!page.data) return <Loading />;
  const { teams, nextCursor } = page.data;
  return (
    <>
      {done && (
        <p className="notice" role="status" data-testid="team-action">
          {done}
        </p>
      )}
      <ErrorMessage error={act.error} />
      {teams.length === 0 && <p>{t('console.noTeams')}</p>}
      {teams.length > 0 && (
        <DataTable
          label={t('console.teams')}
          columns={[t('console.team'), t('console.members'), t('console.submissions'), t('console.status'), t('submissions.actions')]}
        >
          {teams.map((team) => (
            <tr key={team.teamId} data-testid={`team-${team.teamId}`}>
              <td>
                {team.name}
                <div className="muted">
                  <code>{team.teamId}</code>
                </div>
              </td>
              <td>{team.members.length}</td>
              <td data-testid={`team-submissions-${team.teamId}`}>{team.submissions}</td>
              <td>
                {team.disqualified ? (
                  <>
                    <strong>{t('console.disqualified')}</strong>
                    {team.disqualifiedReason && <div className="muted">{team.disqualifiedReason}</div>}
                  </>
                ) : (
                  t('console.competing')
                )}
              </td>
              <td className="actions">
                <button
                  type="button"
                  className={team.disqualified ? 'secondary' : 'danger'}
                  onClick={() => setConfirming({ team, disqualify: !team.disqualified })}
                  aria-label={t(team.disqualified ? 'console.reinstateTeam' : 'console.disqualifyTeam', { team: team.name })}
                >
                  {t(team.disqualified ? 'console.reinstate' : 'console.disqualify')}…
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {confirming && (
        <ConfirmAction
          title={t(confirming.disqualify ? 'console.confirmDisqualify' : 'console.confirmReinstate', { team: confirming.team.name })}
          consequence={t(confirming.disqualify ? 'console.disqualifyMeans' : 'console.reinstateMeans')}
          confirmLabel={t(confirming.disqualify ? 'console.disqualify' : 'console.reinstate')}
          reason="required"
          busy={act.isPending}
          onConfirm={(reason) => act.mutate({ ...confirming, reason })}
          onCancel={() => setConfirming(undefined)}
        />
      )}
      <div className="row">
        <button type="button" className="secondary" disabled={cursors.length === 1} onClick={() => setCursors((seen) => seen.slice(0, -1))}>
          {t('console.previous')}
        </button>
        <button type="button" className="secondary" disabled={!nextCursor} onClick={() => setCursors((seen) => [...seen, nextCursor])}>
          {t('console.next')}
        </button>
      </div>
    </>
  );
}
