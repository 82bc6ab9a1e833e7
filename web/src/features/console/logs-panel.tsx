import { useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { components } from '../../../../api-client/openapi.d.ts';
import { DataTable } from '../../components/data-table.tsx';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import type { Challenge } from '../../lib/challenge-view.ts';
import { formatDate } from '../../lib/format.ts';
import { answerOf, podiumApi } from '../../lib/podium-api.ts';

type AuditEntry = components['schemas']['AuditEntry'];
type AccessLogEntry = components['schemas']['AccessLogEntry'];
type LogKind = 'audit' | 'access';

/** The form's fields: who (actor or user), what (action or dataset), and a range of days. */
interface LogFilter {
  who: string;
  what: string;
  fromDay: string;
  toDay: string;
}

const NO_FILTER: LogFilter = { who: '', what: '', fromDay: '', toDay: '' };
const PAGE_SIZE = 50;

/** The API's range from the form's days, in UTC like every time the console shows: from the first day's midnight to the midnight after the last. */
function timeRange({ fromDay, toDay }: LogFilter): { from?: string; to?: string } {
  const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
  return { ...(fromDay ? { from: fromDay } : {}), ...(toDay ? { to: dayAfter(toDay) } : {}) };
}

/**
 * The audit log (organiser actions) and the data access log (download URLs issued), newest first,
 * filtered by the API (who, what, which days) and read a page at a time with its cursor.
 */
export function LogsPanel({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<LogKind>('audit');
  const [draft, setDraft] = useState<LogFilter>(NO_FILTER);
  const [applied, setApplied] = useState<LogFilter>(NO_FILTER);
  const log = useInfiniteQuery({
    queryKey: ['admin-log', challenge.id, kind, applied],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }): Promise<{ entries: (AuditEntry | AccessLogEntry)[]; nextCursor?: string }> => {
      const page = { ...timeRange(applied), order: 'newest' as const, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) };
      const path = { challengeId: challenge.id };
      if (kind === 'audit') {
        const query = { ...page, ...(applied.who ? { actor: applied.who } : {}), ...(applied.what ? { action: applied.what } : {}) };
        return answerOf(podiumApi.GET('/admin/challenges/{challengeId}/audit-log', { params: { path, query } }));
      }
      const query = { ...page, ...(applied.who ? { user: applied.who } : {}), ...(applied.what ? { dataset: applied.what } : {}) };
      return answerOf(podiumApi.GET('/admin/challenges/{challengeId}/access-log', { params: { path, query } }));
    },
    getNextPageParam: (last) => last.nextCursor,
  });
  const entries = log.data?.pages.flatMap((page) => page.entries) ?? [];
  const set = (field: keyof LogFilter) => (value: string) => setDraft((previous) => ({ ...previous, [field]: value }));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ ...draft, who: draft.who.trim(), what: draft.what.trim() });
  };
  const changeKind = (next: LogKind) => {
    setKind(next);
    setDraft(NO_FILTER);
    setApplied(NO_FILTER);
  };
  // The actions seen so far, offered as the action field's suggestions.
  const actions = [...new Set(kind === 'audit' ? entries.map((entry) => (entry as AuditEntry).action) : [])].sort();
  return (
    <>
      <p>
        <label htmlFor="log-kind">{t('console.log')} </label>
        <select id="log-kind" value={kind} onChange={(event) => changeKind(event.target.value as LogKind)}>
          <option value="audit">{t('console.auditLog')}</option>
          <option value="access">{t('console.accessLog')}</option>
        </select>
      </p>
      <form className="row" aria-label={t('console.logFilters')} onSubmit={apply}>
        <p>
          <label htmlFor="log-who">{t(kind === 'audit' ? 'console.logActor' : 'console.logUser')} </label>
          <input id="log-who" value={draft.who} onChange={(event) => set('who')(event.target.value)} autoComplete="off" />
        </p>
        {kind === 'audit' ? (
          <p>
            <label htmlFor="log-what">{t('console.logAction')} </label>
            <input
              id="log-what"
              value={draft.what}
              onChange={(event) => set('what')(event.target.value)}
              list="log-actions"
              placeholder="phase.pause"
              autoComplete="off"
            />
            <datalist id="log-actions">
              {actions.map((action) => (
                <option key={action} value={action} />
              ))}
            </datalist>
          </p>
        ) : (
          <p>
            <label htmlFor="log-what">{t('console.logDataset')} </label>
            <select id="log-what" value={draft.what} onChange={(event) => set('what')(event.target.value)}>
              <option value="">{t('console.all')}</option>
              {challenge.datasets.map((dataset) => (
                <option key={dataset.id} value={dataset.id}>
                  {dataset.title ?? dataset.id}
                </option>
              ))}
            </select>
          </p>
        )}
        <p>
          <label htmlFor="log-from">{t('console.logFrom')} </label>
          <input id="log-from" type="date" value={draft.fromDay} onChange={(event) => set('fromDay')(event.target.value)} />
        </p>
        <p>
          <label htmlFor="log-to">{t('console.logTo')} </label>
          <input id="log-to" type="date" value={draft.toDay} onChange={(event) => set('toDay')(event.target.value)} />
        </p>
        <p className="row">
          <button type="submit">{t('console.applyFilters')}</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(NO_FILTER);
              setApplied(NO_FILTER);
            }}
          >
            {t('console.clearFilters')}
          </button>
        </p>
      </form>
      <ErrorMessage error={log.error} />
      {log.isPending && !log.error && <Loading />}
      {log.data && entries.length === 0 && <p>{log.hasNextPage ? t('console.noEntriesYet') : t('console.noEntries')}</p>}
      {entries.length > 0 && (kind === 'audit' ? <AuditTable entries={entries as AuditEntry[]} /> : <AccessTable entries={entries as AccessLogEntry[]} />)}
      {log.hasNextPage && (
        <p>
          <button type="button" className="secondary" disabled={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
            {t('console.loadMore')}
          </button>
        </p>
      )}
    </>
  );
}

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const { t, i18n } = useTranslation();
  return (
    <DataTable
      label={t('console.auditLog')}
      columns={[t('console.logAt'), t('console.logActor'), t('console.logAction'), t('console.logTarget'), t('console.reason')]}
    >
      {entries.map((entry, index) => (
        <tr key={`${entry.at}-${index}`} data-testid="audit-entry">
          <td>{formatDate(entry.at, i18n.language)}</td>
          <td>
            <code>{entry.actor}</code>
          </td>
          <td>
            <code>{entry.action}</code>
          </td>
          <td>{entry.target}</td>
          <td className="log-details">
            {entry.reason ?? '—'}
            {entry.details && <div className="muted">{JSON.stringify(entry.details)}</div>}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

function AccessTable({ entries }: { entries: AccessLogEntry[] }) {
  const { t, i18n } = useTranslation();
  return (
    <DataTable label={t('console.accessLog')} columns={[t('console.logAt'), t('console.logUser'), t('console.logDataset'), t('console.logFile')]}>
      {entries.map((entry, index) => (
        <tr key={`${entry.at}-${index}`} data-testid="access-entry">
          <td>{formatDate(entry.at, i18n.language)}</td>
          <td>
            {entry.email}
            <div className="muted">
              <code>{entry.userId}</code>
            </div>
          </td>
          <td>{entry.datasetId}</td>
          <td className="log-details">{entry.path}</td>
        </tr>
      ))}
    </DataTable>
  );
}
