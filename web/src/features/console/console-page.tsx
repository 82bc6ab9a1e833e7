import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { api, ApiError, apiFetch, apiErrorOf, seg } from '../../lib/api.ts';
import { TERMINAL_STATES, type Challenge, type Submission } from '../../lib/api-types.ts';
import { formatDate, formatDuration } from '../../lib/format.ts';
import { useChallenge } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { DataTable } from '../../components/data-table.tsx';

const SECTIONS = ['participants', 'submissions', 'teams', 'phases', 'exports', 'logs', 'health'] as const;

/** The organiser console (lazy-loaded; the API refuses every /admin route to anyone else anyway). */
export default function ConsolePage({ challengeId, section }: { challengeId: string; section: string }) {
  const { t } = useTranslation();
  const challenge = useChallenge(challengeId);
  if (challenge.error) return <ErrorMessage error={challenge.error} />;
  if (!challenge.data) return <Loading />;
  return (
    <>
      <h1>{t('console.title', { title: challenge.data.title })}</h1>
      <p>
        <Link to={`/c/${challengeId}`}>{t('console.back')}</Link>
      </p>
      <nav aria-label={t('console.sections')} className="tabs">
        <ul>
          {SECTIONS.map((name) => (
            <li key={name}>
              <Link to={`/console/${challengeId}/${name}`} aria-current={name === section ? 'page' : undefined}>
                {t(`console.${name}`)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <section className="tab-panel" aria-label={t(`console.${section}`, { defaultValue: section })}>
        {section === 'participants' && <Participants challenge={challenge.data} />}
        {section === 'submissions' && <Submissions challenge={challenge.data} />}
        {section === 'teams' && <Teams challenge={challenge.data} />}
        {section === 'phases' && <Phases challenge={challenge.data} />}
        {section === 'exports' && <Exports challenge={challenge.data} />}
        {section === 'logs' && <Logs challenge={challenge.data} />}
        {section === 'health' && <Health challenge={challenge.data} />}
      </section>
    </>
  );
}

/** Shows a route the deployed API does not have yet as such, not as a failure. */
function Unavailable({ error, what }: { error: unknown; what: string }) {
  const { t } = useTranslation();
  if (error instanceof ApiError && error.status === 404 && /is not a Podium route/.test(error.message)) {
    return <p className="notice">{t('console.unavailable', { what })}</p>;
  }
  return <ErrorMessage error={error} />;
}

interface Participant {
  userId: string;
  email?: string;
  status: string;
  acceptedAt?: string;
  acceptedRulesVersion?: string;
  answers?: Record<string, unknown>;
}

function Participants({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState('pending');
  const queryClient = useQueryClient();
  const base = `/admin/challenges/${seg(challenge.id)}/participants`;
  const participants = useQuery({
    queryKey: ['admin-participants', challenge.id, status],
    queryFn: () => api<{ participants: Participant[] }>(`${base}${status ? `?status=${status}` : ''}`),
  });
  const act = useMutation({
    mutationFn: ({ userId, action }: { userId: string; action: string }) => api(`${base}/${seg(userId)}/${action}`, { method: 'POST', body: {} }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['admin-participants', challenge.id] }),
  });
  return (
    <>
      <p>
        <label htmlFor="participant-status">{t('console.status')} </label>
        <select id="participant-status" value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="pending">{t('console.pending')}</option>
          <option value="approved">{t('console.approved')}</option>
          <option value="">{t('console.all')}</option>
        </select>
      </p>
      <ErrorMessage error={participants.error} />
      {act.error && <Unavailable error={act.error} what={t('console.participantActions')} />}
      {participants.data && participants.data.participants.length === 0 && <p>{t('console.noParticipants')}</p>}
      {participants.data && participants.data.participants.length > 0 && (
        <DataTable label={t('console.participants')} columns={[t('console.participant'), t('console.status'), t('console.answers'), t('submissions.actions')]}>
          {participants.data.participants.map((participant) => (
            <tr key={participant.userId} data-testid={`participant-${participant.email ?? participant.userId}`}>
              <td>
                {participant.email ?? '—'}
                <div className="muted">
                  <code>{participant.userId}</code> {formatDate(participant.acceptedAt, i18n.language)}
                </div>
              </td>
              <td>{participant.status}</td>
              <td>
                {participant.answers ? (
                  <dl className="answers">
                    {Object.entries(participant.answers).map(([question, answer]) => (
                      <div key={question}>
                        <dt>{question}</dt>
                        <dd>{String(answer)}</dd>
                      </div>
                    ))}
                  </dl>
                ) : (
                  '—'
                )}
              </td>
              <td className="actions">
                {participant.status !== 'approved' && (
                  <button type="button" onClick={() => act.mutate({ userId: participant.userId, action: 'approve' })}>
                    {t('console.approve')}
                  </button>
                )}
                {participant.status === 'pending' && (
                  <button type="button" className="danger" onClick={() => act.mutate({ userId: participant.userId, action: 'reject' })}>
                    {t('console.reject')}
                  </button>
                )}
                {participant.status === 'approved' && (
                  <button
                    type="button"
                    className="danger"
                    onClick={() => confirm(t('console.revokeConfirm')) && act.mutate({ userId: participant.userId, action: 'revoke' })}
                  >
                    {t('console.revoke')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}

const PAGE_SIZE = 25;

function Submissions({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState({ phase: '', status: '', team: '' });
  const [page, setPage] = useState(0);
  const [logsOf, setLogsOf] = useState<string>();
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
  const submissions = useQuery({
    queryKey: ['admin-submissions', challenge.id, query.toString()],
    queryFn: () => api<{ submissions: Submission[] }>(`/admin/challenges/${seg(challenge.id)}/submissions?${query.toString()}`),
    refetchInterval: 10_000,
  });
  const act = useMutation({
    mutationFn: ({ id, action, body }: { id: string; action: string; body?: unknown }) =>
      api(`/admin/submissions/${seg(id)}/${action}`, { method: 'POST', body: body ?? {} }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['admin-submissions', challenge.id] }),
  });
  const rows = [...(submissions.data?.submissions ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const shown = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const setFilter = (name: keyof typeof filters) => (value: string) => {
    setFilters((previous) => ({ ...previous, [name]: value }));
    setPage(0);
  };
  return (
    <>
      <div className="row">
        <p>
          <label htmlFor="filter-phase">{t('phase')} </label>
          <select id="filter-phase" value={filters.phase} onChange={(event) => setFilter('phase')(event.target.value)}>
            <option value="">{t('console.all')}</option>
            {challenge.phases.map((phase) => (
              <option key={phase.id} value={phase.id}>
                {phase.title}
              </option>
            ))}
          </select>
        </p>
        <p>
          <label htmlFor="filter-status">{t('console.status')} </label>
          <select id="filter-status" value={filters.status} onChange={(event) => setFilter('status')(event.target.value)}>
            <option value="">{t('console.all')}</option>
            {['CREATED', 'UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'SCORING', 'SCORED', 'FAILED', 'REJECTED', 'CANCELLED', 'PLATFORM_ERROR'].map(
              (status) => (
                <option key={status}>{status}</option>
              ),
            )}
          </select>
        </p>
        <p>
          <label htmlFor="filter-team">{t('leaderboard.team')} </label>
          <input id="filter-team" value={filters.team} onChange={(event) => setFilter('team')(event.target.value)} />
        </p>
      </div>
      <ErrorMessage error={submissions.error} />
      <ErrorMessage error={act.error} />
      {submissions.data && (
        <>
          <DataTable
            label={t('console.submissions')}
            columns={[t('submissions.created'), t('leaderboard.team'), t('submissions.status'), t('score'), t('submissions.runTime'), t('submissions.actions')]}
          >
            {shown.map((submission) => (
              <tr key={submission.id}>
                <td>
                  {formatDate(submission.createdAt, i18n.language)}
                  <div className="muted">
                    {submission.phaseId} · {submission.mode} {submission.organiserRun && `· ${t('console.organiserRun')}`}{' '}
                    {submission.baseline && `· ${t('leaderboard.baseline')}`}
                  </div>
                </td>
                <td>
                  <code>{submission.teamId}</code>
                </td>
                <td>
                  {submission.status}
                  {submission.failure && <div className="error-text">{submission.failure.detail ?? submission.failure.message}</div>}
                </td>
                <td>{submission.score?.overall ?? submission.score?.public ?? '—'}</td>
                <td>{formatDuration(submission.run?.durationMs)}</td>
                <td className="actions">
                  <button type="button" className="secondary" onClick={() => setLogsOf(logsOf === submission.id ? undefined : submission.id)}>
                    {t('submissions.logs')}
                  </button>
                  <button type="button" className="secondary" onClick={() => act.mutate({ id: submission.id, action: 'rescore' })}>
                    {t('console.rescore')}
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => act.mutate({ id: submission.id, action: 'baseline', body: { baseline: !submission.baseline } })}
                  >
                    {submission.baseline ? t('console.unmarkBaseline') : t('console.markBaseline')}
                  </button>
                  {!TERMINAL_STATES.includes(submission.status) && (
                    <button type="button" className="danger" onClick={() => act.mutate({ id: submission.id, action: 'cancel' })}>
                      {t('submissions.cancel')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
          <p className="row">
            <button type="button" className="secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>
              {t('console.previous')}
            </button>
            <span>{t('console.page', { page: page + 1, pages: Math.max(1, Math.ceil(rows.length / PAGE_SIZE)), count: rows.length })}</span>
            <button type="button" className="secondary" disabled={(page + 1) * PAGE_SIZE >= rows.length} onClick={() => setPage(page + 1)}>
              {t('console.next')}
            </button>
          </p>
          {logsOf && <AdminLogs submissionId={logsOf} />}
        </>
      )}
    </>
  );
}

function AdminLogs({ submissionId }: { submissionId: string }) {
  const { t } = useTranslation();
  const logs = useQuery({
    queryKey: ['admin-logs', submissionId],
    queryFn: () => api<{ lines: string[]; note?: string }>(`/admin/submissions/${seg(submissionId)}/logs`),
  });
  return (
    <section aria-labelledby="admin-logs">
      <h2 id="admin-logs">{t('submissions.logsOf', { id: submissionId })}</h2>
      <p className="muted">{t('console.logsAudited')}</p>
      <ErrorMessage error={logs.error} />
      {logs.data && (
        <pre className="logs" tabIndex={0}>
          {logs.data.lines.join('\n') || logs.data.note}
        </pre>
      )}
    </section>
  );
}

/** Teams seen on the boards and in submissions (the API lists no teams on their own). */
function Teams({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const submissions = useQuery({
    queryKey: ['admin-submissions', challenge.id, ''],
    queryFn: () => api<{ submissions: Submission[] }>(`/admin/challenges/${seg(challenge.id)}/submissions?`),
  });
  const act = useMutation({
    mutationFn: ({ teamId, disqualify }: { teamId: string; disqualify: boolean }) =>
      api(`/admin/challenges/${seg(challenge.id)}/teams/${seg(teamId)}/disqualify`, {
        method: disqualify ? 'POST' : 'DELETE',
        body: { reason: reason || 'organiser decision' },
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['leaderboard', challenge.id] }),
  });
  const teams = [...new Set((submissions.data?.submissions ?? []).map((submission) => submission.teamId))];
  return (
    <>
      <p>
        <label htmlFor="disqualify-reason">{t('console.reason')}</label>{' '}
        <input id="disqualify-reason" value={reason} onChange={(event) => setReason(event.target.value)} />
      </p>
      <ErrorMessage error={submissions.error} />
      {act.error && <Unavailable error={act.error} what={t('console.reinstate')} />}
      {act.isSuccess && <p className="notice">{t('console.done')}</p>}
      {teams.length === 0 && submissions.data && <p>{t('console.noTeams')}</p>}
      <ul>
        {teams.map((teamId) => (
          <li key={teamId} className="row">
            <code>{teamId}</code>
            <button type="button" className="danger" onClick={() => act.mutate({ teamId, disqualify: true })}>
              {t('console.disqualify')}
            </button>
            <button type="button" className="secondary" onClick={() => act.mutate({ teamId, disqualify: false })}>
              {t('console.reinstate')}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function Phases({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  return (
    <>
      {challenge.phases.map((phase) => (
        <PhaseControls key={phase.id} challengeId={challenge.id} phaseId={phase.id} title={phase.title} closes={formatDate(phase.closes, i18n.language)} />
      ))}
      <p className="muted">{t('console.phasesHelp')}</p>
    </>
  );
}

function PhaseControls({ challengeId, phaseId, title, closes }: { challengeId: string; phaseId: string; title: string; closes: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const base = `/admin/challenges/${seg(challengeId)}/phases/${seg(phaseId)}`;
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const publication = useQuery({
    queryKey: ['publication', challengeId, phaseId],
    queryFn: () =>
      api<{ published: boolean; open: boolean; board: string; boardTeams: number; scoredSubmissions: number; closes: string }>(`${base}/publication`),
  });
  const act = useMutation({
    mutationFn: ({ action, body }: { action: string; body?: unknown }) => api<unknown>(`${base}/${action}`, { method: 'POST', body: body ?? {} }),
    onSuccess: (_, { action }) => {
      setConfirming(false);
      setLastAction(action);
      void queryClient.invalidateQueries({ queryKey: ['publication', challengeId, phaseId] });
    },
  });
  const [lastAction, setLastAction] = useState<string>();
  const info = publication.data;
  return (
    <section aria-labelledby={`phase-${phaseId}`} className="card">
      <h2 id={`phase-${phaseId}`}>{title}</h2>
      <ErrorMessage error={publication.error} />
      {info && (
        <p data-testid={`publication-${phaseId}`}>
          {info.published ? t('console.isPublished') : t('console.isNotPublished')} · {info.open ? t('phaseState.open') : t('phaseState.closed')} ·{' '}
          {t('console.closes', { when: closes })} · {t('console.boardTeams', { count: info.boardTeams })}
        </p>
      )}
      <div className="row">
        <button type="button" className="secondary" onClick={() => act.mutate({ action: 'pause' })}>
          {t('console.pause')}
        </button>
        <button type="button" className="secondary" onClick={() => act.mutate({ action: 'resume' })}>
          {t('console.resume')}
        </button>
        {info && !info.published && (
          <button type="button" onClick={() => setConfirming(true)}>
            {t('console.publish')}
          </button>
        )}
        {info?.published && (
          <button type="button" className="danger" onClick={() => act.mutate({ action: 'unpublish', body: { reason: reason || 'organiser decision' } })}>
            {t('console.unpublish')}
          </button>
        )}
      </div>
      {lastAction && (
        <p className="notice" role="status" data-testid={`phase-action-${phaseId}`}>
          {t(`console.did.${lastAction}`, { defaultValue: lastAction })}
        </p>
      )}
      {act.error && <Unavailable error={act.error} what={t('console.phaseActions')} />}
      {confirming && info && (
        <div role="dialog" aria-modal="false" aria-labelledby={`confirm-${phaseId}`} className="confirm">
          <h3 id={`confirm-${phaseId}`}>{t('console.confirmPublish', { title })}</h3>
          <p>{t('console.publishReveals', { board: info.board, teams: info.boardTeams, submissions: info.scoredSubmissions })}</p>
          {info.open && (
            <p>
              <label htmlFor={`reason-${phaseId}`}>{t('console.forceReason')}</label>
              <input id={`reason-${phaseId}`} value={reason} onChange={(event) => setReason(event.target.value)} required />
            </p>
          )}
          <div className="row">
            <button
              type="button"
              onClick={() => act.mutate({ action: 'publish', body: info.open ? { force: true, reason } : {} })}
              disabled={info.open && !reason}
            >
              {t('console.confirm')}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              {t('console.cancel')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function Exports({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>();
  const download = async (path: string, fileName: string) => {
    setError(undefined);
    const response = await apiFetch(path);
    if (!response.ok) return setError(await apiErrorOf(response));
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = fileName;
    link.click();
  };
  const base = `/admin/challenges/${seg(challenge.id)}`;
  return (
    <>
      <ErrorMessage error={error} />
      <ul className="stack">
        {challenge.phases.map((phase) => (
          <li key={phase.id} className="row">
            {phase.title}:
            <button
              type="button"
              className="secondary"
              onClick={() => void download(`${base}/exports/leaderboard.csv?phase=${seg(phase.id)}`, `${challenge.id}-${phase.id}-leaderboard.csv`)}
            >
              leaderboard.csv
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => void download(`${base}/exports/submissions.csv?phase=${seg(phase.id)}`, `${challenge.id}-${phase.id}-submissions.csv`)}
            >
              submissions.csv
            </button>
          </li>
        ))}
        <li className="row">
          <button type="button" className="secondary" onClick={() => void download(`${base}/exports/access-log.csv`, `${challenge.id}-access-log.csv`)}>
            access-log.csv
          </button>
          <button type="button" className="secondary" onClick={() => void download(`${base}/exports/participants.csv`, `${challenge.id}-participants.csv`)}>
            participants.csv
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => void download(`${base}/archive?pseudonymise=true`, `${challenge.id}-archive-pseudonymised.json`)}
          >
            {t('console.archivePseudonymised')}
          </button>
        </li>
      </ul>
    </>
  );
}

function Logs({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<'audit-log' | 'access-log'>('audit-log');
  const [filter, setFilter] = useState('');
  const log = useQuery({
    queryKey: ['admin-log', challenge.id, kind],
    queryFn: () => api<{ entries: Record<string, unknown>[] }>(`/admin/challenges/${seg(challenge.id)}/${kind}`),
  });
  const entries = (log.data?.entries ?? []).filter((entry) => !filter || JSON.stringify(entry).toLowerCase().includes(filter.toLowerCase()));
  return (
    <>
      <div className="row">
        <p>
          <label htmlFor="log-kind">{t('console.log')} </label>
          <select id="log-kind" value={kind} onChange={(event) => setKind(event.target.value as 'audit-log' | 'access-log')}>
            <option value="audit-log">{t('console.auditLog')}</option>
            <option value="access-log">{t('console.accessLog')}</option>
          </select>
        </p>
        <p>
          <label htmlFor="log-filter">{t('console.filter')} </label>
          <input id="log-filter" value={filter} onChange={(event) => setFilter(event.target.value)} />
        </p>
      </div>
      <ErrorMessage error={log.error} />
      {log.data && entries.length === 0 && <p>{t('console.noEntries')}</p>}
      <ul className="log-entries">
        {entries.slice(0, 200).map((entry, index) => (
          <li key={index}>
            <strong>{formatDate(String(entry.at ?? ''), i18n.language)}</strong>{' '}
            {Object.entries(entry)
              .filter(([key]) => key !== 'at')
              .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
              .join(' · ')}
          </li>
        ))}
      </ul>
    </>
  );
}

function Health({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const health = useQuery({
    queryKey: ['admin-health', challenge.id],
    queryFn: () => api<Record<string, unknown>>(`/admin/challenges/${seg(challenge.id)}/health`),
    refetchInterval: 15_000,
    retry: false,
  });
  if (health.error) return <Unavailable error={health.error} what={t('console.health')} />;
  if (!health.data) return <Loading />;
  return (
    <dl className="health">
      {Object.entries(health.data).map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{typeof value === 'object' ? <pre>{JSON.stringify(value, null, 2)}</pre> : String(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
