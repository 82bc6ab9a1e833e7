import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { answerOf, podiumApi } from '../../lib/podium-api.ts';
import type { Challenge } from '../../lib/challenge-view.ts';
import { CANCELLABLE_STATES, TERMINAL_STATES } from '../../lib/submission-states.ts';
import { formatDate, formatDuration } from '../../lib/format.ts';
import { DataTable } from '../../components/data-table.tsx';

/** The team's submissions: state (live), score, run time, failure, logs of smoke runs, cancel, archive. */
export function SubmissionsTab({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [logsOf, setLogsOf] = useState<string>();
  const submissions = useQuery({
    queryKey: ['submissions', challenge.id],
    queryFn: () => answerOf(podiumApi.GET('/challenges/{challengeId}/submissions', { params: { path: { challengeId: challenge.id } } })),
    refetchInterval: (query) => (query.state.data?.submissions.some((submission) => !TERMINAL_STATES.includes(submission.status)) ? 3000 : false),
  });
  const act = useMutation({
    mutationFn: async ({ id, action }: { id: string; action: 'cancel' | 'archive' }) => {
      const path = { submissionId: id };
      if (action === 'cancel') return answerOf(podiumApi.POST('/submissions/{submissionId}/cancel', { params: { path } }));
      const archive = await answerOf(podiumApi.GET('/submissions/{submissionId}/archive', { params: { path } }));
      location.assign(archive.url);
      return undefined;
    },
    onSuccess: (_answer, { action }) => {
      void queryClient.invalidateQueries({ queryKey: ['submissions', challenge.id] });
      // A cancelled run is refunded and frees its slot.
      if (action === 'cancel') void queryClient.invalidateQueries({ queryKey: ['quota', challenge.id] });
    },
  });
  if (submissions.error) return <ErrorMessage error={submissions.error} />;
  if (!submissions.data) return <Loading />;
  const rows = [...submissions.data.submissions].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (rows.length === 0) return <p>{t('submissions.none')}</p>;
  return (
    <>
      <ErrorMessage error={act.error} />
      <DataTable
        label={t('submissions.title')}
        caption
        columns={[
          t('submissions.created'),
          t('phase'),
          t('submissions.mode'),
          t('submissions.status'),
          t('score'),
          t('submissions.runTime'),
          t('submissions.actions'),
        ]}
      >
        {rows.map((submission) => (
          <tr key={submission.id} data-testid={`submission-${submission.id}`}>
            <td>
              {formatDate(submission.createdAt, i18n.language)}
              {submission.note && <div className="muted">{submission.note}</div>}
            </td>
            <td>{submission.phaseId}</td>
            <td>{t(`submit.${submission.mode}`)}</td>
            <td>
              <span className={`status ${submission.status}`}>{submission.status}</span>
              {submission.failure && <div className="error-text">{submission.failure.message}</div>}
            </td>
            <td>{submission.score?.overall ?? submission.score?.public ?? '—'}</td>
            <td>{formatDuration(submission.run?.durationMs)}</td>
            <td className="actions">
              <button type="button" className="secondary" onClick={() => setLogsOf(logsOf === submission.id ? undefined : submission.id)}>
                {t('submissions.logs')}
              </button>
              <button type="button" className="secondary" onClick={() => act.mutate({ id: submission.id, action: 'archive' })}>
                {t('submissions.archive')}
              </button>
              {CANCELLABLE_STATES.includes(submission.status) && (
                <button type="button" className="danger" onClick={() => act.mutate({ id: submission.id, action: 'cancel' })}>
                  {t('submissions.cancel')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {logsOf && <SubmissionLogs submissionId={logsOf} />}
    </>
  );
}

/** A run's log: every line of a smoke run; for a run on hidden data, the API's note saying why nothing is shown. */
export function SubmissionLogs({ submissionId, admin = false }: { submissionId: string; admin?: boolean }) {
  const { t } = useTranslation();
  const logs = useQuery({
    queryKey: ['logs', submissionId, admin],
    queryFn: () => {
      const params = { path: { submissionId } };
      return admin
        ? answerOf(podiumApi.GET('/admin/submissions/{submissionId}/logs', { params }))
        : answerOf(podiumApi.GET('/submissions/{submissionId}/logs', { params }));
    },
  });
  return (
    <section aria-labelledby="logs-title">
      <h2 id="logs-title">{t('submissions.logsOf', { id: submissionId })}</h2>
      {logs.error && <ErrorMessage error={logs.error} />}
      {!logs.data && !logs.error && <Loading />}
      {logs.data?.note && <p className="notice">{logs.data.note}</p>}
      {logs.data && logs.data.lines.length > 0 && (
        <pre className="logs" tabIndex={0}>
          {logs.data.lines.join('\n')}
        </pre>
      )}
    </section>
  );
}
