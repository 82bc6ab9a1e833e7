import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { defaultPhase, PhaseSelect } from '../../components/phase-select.tsx';
import { answerOf, podiumApi, type ApiSchema } from '../../lib/podium-api.ts';
import type { Challenge } from '../../lib/challenge-view.ts';
import { formatDate } from '../../lib/format.ts';
import { useMyTeam } from '../../lib/queries.ts';
import { ScoreHistory } from './score-history.tsx';
import { DataTable } from '../../components/data-table.tsx';

const POLL_MS = 5000;

type LeaderboardPage = ApiSchema<'Leaderboard'>;

/** The board, polled with its ETag: an unchanged board costs a 304 and no re-render. */
export function LeaderboardTab({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const [phaseId, setPhaseId] = useState(defaultPhase(challenge.phases)?.id ?? '');
  const [split, setSplit] = useState<'public' | 'private'>('public');
  const team = useMyTeam(challenge.id);
  const cache = useRef(new Map<string, { etag: string; page: LeaderboardPage }>());
  const cacheKey = `${phaseId}/${split}`;
  const board = useQuery({
    queryKey: ['leaderboard', challenge.id, phaseId, split],
    refetchInterval: POLL_MS,
    queryFn: async () => {
      const known = cache.current.get(cacheKey);
      const call = podiumApi.GET('/challenges/{challengeId}/phases/{phaseId}/leaderboard', {
        params: { path: { challengeId: challenge.id, phaseId }, query: { split, limit: 200 } },
        headers: known ? { 'If-None-Match': known.etag } : {},
      });
      const { response } = await call;
      if (response.status === 304 && known) return known.page;
      const page = await answerOf(call);
      const etag = response.headers.get('ETag');
      if (etag) cache.current.set(cacheKey, { etag, page });
      return page;
    },
  });
  const phase = challenge.phases.find((candidate) => candidate.id === phaseId);
  const primary = board.data?.scores.find((score) => score.primary);
  const myTeamId = team.data?.teamId;
  return (
    <>
      <div className="row">
        <PhaseSelect id="board-phase" phases={challenge.phases} value={phaseId} onChange={setPhaseId} />
        <p>
          <label htmlFor="board-split">{t('leaderboard.split')} </label>
          <select id="board-split" value={split} onChange={(event) => setSplit(event.target.value as 'public' | 'private')}>
            <option value="public">{t('leaderboard.public')}</option>
            <option value="private">{t('leaderboard.private')}</option>
          </select>
        </p>
      </div>
      {board.error && <ErrorMessage error={board.error} />}
      {!board.data && !board.error && <Loading />}
      {board.data && (
        <>
          <p className="muted">
            {primary && <span data-testid="board-direction">{t(`direction.${primary.direction}`)}</span>}
            {[
              board.data.published ? t('leaderboard.published') : phase?.leaderboard === 'private-until-published' ? t('leaderboard.notPublished') : '',
              t('leaderboard.live'),
            ]
              .filter(Boolean)
              .map((part) => ` · ${part}`)
              .join('')}
          </p>
          {board.data.entries.length === 0 ? (
            <p>{t('leaderboard.empty')}</p>
          ) : (
            <DataTable
              label={t('leaderboard.title')}
              caption
              className="leaderboard"
              columns={[
                t('leaderboard.rank'),
                t('leaderboard.team'),
                ...board.data.scores.map((score) => `${score.name} ${score.direction === 'higher-is-better' ? '↑' : '↓'}`),
                t('leaderboard.submitted'),
              ]}
            >
              {board.data.entries.map((entry) => (
                <tr key={entry.teamId} className={entry.teamId === myTeamId ? 'mine' : undefined} aria-current={entry.teamId === myTeamId ? 'true' : undefined}>
                  <td>{entry.rank}</td>
                  <td>
                    {entry.teamName}
                    {entry.teamId === myTeamId && <span className="badge open"> {t('leaderboard.yourTeam')}</span>}
                    {entry.baseline && <span className="badge"> {t('leaderboard.baseline')}</span>}
                  </td>
                  {board.data.scores.map((score) => (
                    <td key={score.name}>{score.primary ? entry.score : (entry.secondaryScores?.[score.name] ?? '—')}</td>
                  ))}
                  <td>{formatDate(entry.submittedAt, i18n.language)}</td>
                </tr>
              ))}
            </DataTable>
          )}
          {myTeamId && (
            <ScoreHistory challengeId={challenge.id} phaseId={phaseId} teamId={myTeamId} higherIsBetter={primary?.direction !== 'lower-is-better'} />
          )}
        </>
      )}
    </>
  );
}
