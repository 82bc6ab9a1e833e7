import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { CopyCommand } from '../../components/copy-command.tsx';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { answerOf, podiumApi, type ApiSchema } from '../../lib/podium-api.ts';
import type { Challenge } from '../../lib/challenge-view.ts';
import { useMyTeam } from '../../lib/queries.ts';
import { useSession } from '../../lib/session.ts';

type TeamAction = { kind: 'create'; name: string } | { kind: 'join' | 'merge'; inviteCode: string } | { kind: 'leave' };

/** Create a team, share its invite, join one by code (`?invite=` fills it in), leave or merge. */
export function TeamTab({ challenge, inviteFromLink }: { challenge: Challenge; inviteFromLink?: string }) {
  const { t } = useTranslation();
  const session = useSession();
  const team = useMyTeam(challenge.id);
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [code, setCode] = useState(inviteFromLink ?? '');
  const path = { challengeId: challenge.id };
  const action = useMutation({
    mutationFn: async (request: TeamAction): Promise<ApiSchema<'Team'> | { left: string }> => {
      if (request.kind === 'create') return answerOf(podiumApi.POST('/challenges/{challengeId}/teams', { params: { path }, body: { name: request.name } }));
      if (request.kind === 'leave') return answerOf(podiumApi.POST('/challenges/{challengeId}/teams/leave', { params: { path } }));
      const body = { inviteCode: request.inviteCode };
      return request.kind === 'join'
        ? answerOf(podiumApi.POST('/challenges/{challengeId}/teams/join', { params: { path }, body }))
        : answerOf(podiumApi.POST('/challenges/{challengeId}/teams/merge', { params: { path }, body }));
    },
    onSuccess: (answer) => {
      queryClient.setQueryData(['team', challenge.id, session?.userId], 'teamId' in answer ? answer : null);
      setCode('');
    },
  });
  if (team.error) return <ErrorMessage error={team.error} />;
  if (team.isLoading) return <Loading />;
  const onSubmit = (request: TeamAction) => (event: FormEvent) => {
    event.preventDefault();
    action.mutate(request);
  };
  const inviteLink = team.data ? `${location.origin}/c/${challenge.id}/team?invite=${encodeURIComponent(team.data.inviteCode)}` : '';
  return (
    <>
      <ErrorMessage error={action.error} />
      {team.data ? (
        <section aria-labelledby="team-name">
          <h2 id="team-name">{team.data.name}</h2>
          {team.data.disqualified && <p className="error">{t('team.disqualified')}</p>}
          <h3>{t('team.members', { count: team.data.members.length })}</h3>
          <ul>
            {team.data.memberHandles.map((member) => (
              <li key={member.userId}>
                @{member.handle} {member.userId === session?.userId && <span className="muted">({t('team.you')})</span>}
              </li>
            ))}
          </ul>
          <h3>{t('team.invite')}</h3>
          <p>{t('team.inviteHelp')}</p>
          <p>
            {t('team.inviteCode')} <code data-testid="invite-code">{team.data.inviteCode}</code>
          </p>
          <CopyCommand command={inviteLink} />
          <form onSubmit={onSubmit({ kind: 'merge', inviteCode: code })} className="stack">
            <h3>{t('team.merge')}</h3>
            <p>{t('team.mergeHelp')}</p>
            <label htmlFor="merge-code">{t('team.otherInviteCode')}</label>
            <input id="merge-code" value={code} onChange={(event) => setCode(event.target.value)} required />
            <button type="submit" className="secondary" disabled={action.isPending}>
              {t('team.mergeButton')}
            </button>
          </form>
          <p>
            <button type="button" className="danger" onClick={() => confirm(t('team.leaveConfirm')) && action.mutate({ kind: 'leave' })}>
              {t('team.leave')}
            </button>
          </p>
        </section>
      ) : (
        <>
          <p>{t('team.none')}</p>
          <form onSubmit={onSubmit({ kind: 'create', name })} className="stack">
            <h2>{t('team.create')}</h2>
            <label htmlFor="team-name-input">{t('team.name')}</label>
            <input id="team-name-input" value={name} onChange={(event) => setName(event.target.value)} required maxLength={80} />
            <button type="submit" disabled={action.isPending}>
              {t('team.createButton')}
            </button>
          </form>
          <form onSubmit={onSubmit({ kind: 'join', inviteCode: code })} className="stack">
            <h2>{t('team.join')}</h2>
            <label htmlFor="join-code">{t('team.inviteCode')}</label>
            <input id="join-code" value={code} onChange={(event) => setCode(event.target.value)} required />
            <button type="submit" disabled={action.isPending}>
              {t('team.joinButton')}
            </button>
          </form>
        </>
      )}
    </>
  );
}
