import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { ApiError } from '../../lib/api.ts';
import { answerOf, podiumApi, type ApiSchema } from '../../lib/podium-api.ts';
import type { Challenge } from '../../lib/challenge-view.ts';
import { TERMINAL_STATES } from '../../lib/submission-states.ts';
import { formatDate, formatDuration } from '../../lib/format.ts';
import { useChallenge } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { DataTable } from '../../components/data-table.tsx';
import { ConfirmAction } from './confirm-action.tsx';
import { HealthPanel } from './health-panel.tsx';
import { LogsPanel } from './logs-panel.tsx';
import { ReportsPanel } from './reports-panel.tsx';
import { TeamsPanel } from './teams-panel.tsx';

type SubmissionStatus = ApiSchema<'Submission'>['status'];

const SECTIONS = ['participants', 'submissions', 'teams', 'phases', 'exports', 'logs', 'health', 'reports'] as const;

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
        {section === 'teams' && <TeamsPanel challenge={challenge.data} />}
        {section === 'phases' && <Phases challenge={challenge.data} />}
        {section === 'exports' && <Exports challenge={challenge.data} />}
        {section === 'logs' && <LogsPanel challenge={challenge.data} />}
        {section === 'health' && <HealthPanel challenge={challenge.data} />}
        {section === 'reports' && <ReportsPanel challenge={challenge.data} />}
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
  refusalReason?: string;
}

/** A participant's answers under the questions' labels, in the order the join form asks them; an answer to a question since removed keeps its id. */
function labelledAnswers(challenge: Challenge, answers: Record<string, unknown>): { id: string; label: string; answer: string }[] {
  const questions = challenge.registration.questions;
  const asked = questions.filter((question) => question.id in answers).map((question) => ({ id: question.id, label: question.label }));
  const removed = Object.keys(answers)
    .filter((id) => !questions.some((question) => question.id === id))
    .map((id) => ({ id, label: id }));
  return [...asked, ...removed].map(({ id, label }) => ({ id, label, answer: String(answers[id]) }));
}

function Participants({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState('pending');
  const queryClient = useQueryClient();
  const participants = useQuery({
    queryKey: ['admin-participants', challenge.id, status],
    queryFn: () =>
      answerOf(
        podiumApi.GET('/admin/challenges/{challengeId}/participants', {
          params: { path: { challengeId: challenge.id }, query: status === 'pending' || status === 'approved' ? { status } : {} },
        }),
      ),
  });
  const [confirming, setConfirming] = useState<{ participant: Participant; action: 'reject' | 'revoke' }>();
  const act = useMutation({
    mutationFn: ({ userId, action, reason }: { userId: string; action: 'approve' | 'reject' | 'revoke'; reason?: string }) =>
      action === 'approve'
        ? answerOf(podiumApi.POST('/admin/challenges/{challengeId}/participants/{userId}/approve', { params: { path: { challengeId: challenge.id, userId } } }))
        : answerOf(
            podiumApi.POST(
              action === 'reject'
                ? '/admin/challenges/{challengeId}/participants/{userId}/reject'
                : '/admin/challenges/{challengeId}/participants/{userId}/revoke',
              { params: { path: { challengeId: challenge.id, userId } }, body: reason ? { reason } : {} },
            ),
          ),
    onSuccess: () => {
      setConfirming(undefined);
      void queryClient.invalidateQueries({ queryKey: ['admin-participants', challenge.id] });
    },
  });
  return (
    <>
      <p>
        <label htmlFor="participant-status">{t('console.status')} </label>
        <select id="participant-status" value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="pending">{t('console.pending')}</option>
          <option value="approved">{t('console.approved')}</option>
          <option value="rejected">{t('console.rejected')}</option>
          <option value="revoked">{t('console.revoked')}</option>
          <option value="">{t('console.all')}</option>
        </select>
      </p>
      <ErrorMessage error={participants.error} />
      {act.error && <Unavailable error={act.error} what={t('console.participantActions')} />}
      {confirming && (
        <ConfirmAction
          title={t(confirming.action === 'reject' ? 'console.confirmReject' : 'console.confirmRevoke', {
            who: confirming.participant.email ?? confirming.participant.userId,
          })}
          consequence={t(confirming.action === 'reject' ? 'console.rejectMeans' : 'console.revokeMeans')}
          confirmLabel={t(`console.${confirming.action}`)}
          reason="optional"
          busy={act.isPending}
          onConfirm={(reason) => act.mutate({ userId: confirming.participant.userId, action: confirming.action, ...(reason ? { reason } : {}) })}
          onCancel={() => setConfirming(undefined)}
        />
      )}
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
              <td>
                {t(`console.${participant.status}`, { defaultValue: participant.status })}
                {participant.refusalReason && <div className="muted">{participant.refusalReason}</div>}
              </td>
              <td>
                {'answers' in participant && participant.answers ? (
                  <dl className="answers">
                    {labelledAnswers(challenge, participant.answers as Record<string, unknown>).map(({ id, label, answer }) => (
                      <div key={id}>
                        <dt>{label}</dt>
                        <dd>{answer === 'true' ? t('console.answerYes') : answer === 'false' ? t('console.answerNo') : answer}</dd>
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
                  <button type="button" className="danger" onClick={() => setConfirming({ participant, action: 'reject' })}>
                    {t('console.reject')}…
                  </button>
                )}
                {participant.status === 'approved' && (
                  <button type="button" className="danger" onClick={() => setConfirming({ participant, action: 'revoke' })}>
                    {t('console.revoke')}…
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

/** The submissions newest first, filtered and paged by the API (its cursor); the page shown is refreshed every 10 seconds. */
function Submissions({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState({ phase: '', status: '', team: '' });
  // The cursors of the pages seen so far: going back reuses them, going forward appends the API's next one.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [logsOf, setLogsOf] = useState<string>();
  const cursor = cursors.at(-1);
  const submissions = useQuery({
    queryKey: ['admin-submissions', challenge.id, filters, cursor ?? ''],
    queryFn: () =>
      answerOf(
        podiumApi.GET('/admin/challenges/{challengeId}/submissions', {
          params: {
            path: { challengeId: challenge.id },
            query: {
              order: 'newest',
              limit: PAGE_SIZE,
              ...(filters.phase ? { phase: filters.phase } : {}),
              ...(filters.status ? { status: filters.status as SubmissionStatus } : {}),
              ...(filters.team.trim() ? { team: filters.team.trim() } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ),
    refetchInterval: 10_000,
  });
  const act = useMutation({
    mutationFn: async ({ id, action, baseline }: { id: string; action: 'rescore' | 'baseline' | 'cancel'; baseline?: boolean }): Promise<unknown> => {
      const params = { path: { submissionId: id } };
      if (action === 'baseline')
        return answerOf(podiumApi.POST('/admin/submissions/{submissionId}/baseline', { params, body: { baseline: baseline ?? true } }));
      return action === 'rescore'
        ? answerOf(podiumApi.POST('/admin/submissions/{submissionId}/rescore', { params }))
        : answerOf(podiumApi.POST('/admin/submissions/{submissionId}/cancel', { params }));
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['admin-submissions', challenge.id] }),
  });
  const shown = submissions.data?.submissions ?? [];
  const nextCursor = submissions.data?.nextCursor;
  const setFilter = (name: keyof typeof filters) => (value: string) => {
    setFilters((previous) => ({ ...previous, [name]: value }));
    setCursors([undefined]);
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
                    onClick={() => act.mutate({ id: submission.id, action: 'baseline', baseline: !submission.baseline })}
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
          {shown.length === 0 && <p>{t('console.noSubmissions')}</p>}
          <p className="row">
            <button type="button" className="secondary" disabled={cursors.length === 1} onClick={() => setCursors((seen) => seen.slice(0, -1))}>
              {t('console.previous')}
            </button>
            <span>{t('console.pageNumber', { page: cursors.length })}</span>
            <button type="button" className="secondary" disabled={!nextCursor} onClick={() => setCursors((seen) => [...seen, nextCursor])}>
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
    queryFn: () => answerOf(podiumApi.GET('/admin/submissions/{submissionId}/logs', { params: { path: { submissionId } } })),
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
function Phases({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  return (
    <>
      {challenge.phases.map((phase) => (
        <PhaseControls
          key={phase.id}
          challengeId={challenge.id}
          phaseId={phase.id}
          title={phase.title ?? phase.id}
          closes={formatDate(phase.closes, i18n.language)}
        />
      ))}
      <p className="muted">{t('console.phasesHelp')}</p>
    </>
  );
}

type PhaseAction =
  { action: 'pause' | 'resume'; body?: undefined } | { action: 'publish'; body?: ApiSchema<'Publish'> } | { action: 'unpublish'; body: ApiSchema<'Unpublish'> };

function PhaseControls({ challengeId, phaseId, title, closes }: { challengeId: string; phaseId: string; title: string; closes: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const path = { challengeId, phaseId };
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const publication = useQuery({
    queryKey: ['publication', challengeId, phaseId],
    queryFn: () => answerOf(podiumApi.GET('/admin/challenges/{challengeId}/phases/{phaseId}/publication', { params: { path } })),
  });
  const act = useMutation({
    mutationFn: async (request: PhaseAction): Promise<unknown> => {
      if (request.action === 'pause' || request.action === 'resume') {
        return request.action === 'pause'
          ? answerOf(podiumApi.POST('/admin/challenges/{challengeId}/phases/{phaseId}/pause', { params: { path } }))
          : answerOf(podiumApi.POST('/admin/challenges/{challengeId}/phases/{phaseId}/resume', { params: { path } }));
      }
      if (request.action === 'unpublish') {
        return answerOf(podiumApi.POST('/admin/challenges/{challengeId}/phases/{phaseId}/unpublish', { params: { path }, body: request.body }));
      }
      return answerOf(
        podiumApi.POST('/admin/challenges/{challengeId}/phases/{phaseId}/publish', { params: { path }, ...(request.body ? { body: request.body } : {}) }),
      );
    },
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
              onClick={() => act.mutate({ action: 'publish', ...(info.open ? { body: { force: true, reason } } : {}) })}
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
  const path = { challengeId: challenge.id };
  const csv = (name: 'leaderboard.csv' | 'submissions.csv' | 'access-log.csv' | 'participants.csv', phase?: string) => () =>
    answerOf(
      podiumApi.GET('/admin/challenges/{challengeId}/exports/{export}', {
        params: { path: { ...path, export: name }, query: phase ? { phase } : {} },
        parseAs: 'blob',
      }),
    );
  const download = async (fetchBlob: () => Promise<Blob>, fileName: string) => {
    setError(undefined);
    const blob = await fetchBlob().catch((problem: unknown) => void setError(problem));
    if (!blob) return;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = fileName;
    link.click();
  };
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
              onClick={() => void download(csv('leaderboard.csv', phase.id), `${challenge.id}-${phase.id}-leaderboard.csv`)}
            >
              leaderboard.csv
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => void download(csv('submissions.csv', phase.id), `${challenge.id}-${phase.id}-submissions.csv`)}
            >
              submissions.csv
            </button>
          </li>
        ))}
        <li className="row">
          <button type="button" className="secondary" onClick={() => void download(csv('access-log.csv'), `${challenge.id}-access-log.csv`)}>
            access-log.csv
          </button>
          <button type="button" className="secondary" onClick={() => void download(csv('participants.csv'), `${challenge.id}-participants.csv`)}>
            participants.csv
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void download(
                () =>
                  answerOf(podiumApi.GET('/admin/challenges/{challengeId}/archive', { params: { path, query: { pseudonymise: 'true' } }, parseAs: 'blob' })),
                `${challenge.id}-archive-pseudonymised.json`,
              )
            }
          >
            {t('console.archivePseudonymised')}
          </button>
        </li>
      </ul>
    </>
  );
}
