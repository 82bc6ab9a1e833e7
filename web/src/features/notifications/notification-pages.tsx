import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { api } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { useSession } from '../../lib/session.ts';
import { webPathOf, type NotificationPage } from './notifications.tsx';

/** The notification list and the settings page: loaded when opened, not with every page. */
export default function NotificationsPages({ settings }: { settings: boolean }) {
  return settings ? <NotificationSettingsPage /> : <NotificationsPage />;
}

function NotificationsPage() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const list = useInfiniteQuery({
    queryKey: ['notifications', 'list', session?.userId],
    enabled: Boolean(session),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => api<NotificationPage>(`/me/notifications?limit=25${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    getNextPageParam: (last) => last.nextCursor,
  });
  const mark = useMutation({
    mutationFn: (request: { ids?: string[]; all?: boolean }) => api<{ marked: number }>('/me/notifications/read', { method: 'POST', body: request }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });
  if (!session) return <p role="alert">{t('notifications.signIn')}</p>;
  if (list.error) return <ErrorMessage error={list.error} />;
  if (!list.data) return <Loading />;
  const first = list.data.pages[0]!;
  const notifications = list.data.pages.flatMap((page) => page.notifications);
  return (
    <>
      <h1>{t('notifications.title')}</h1>
      <p className="row">
        <span data-testid="unread-summary">{t('notifications.unread', { count: first.unread })}</span>
        {first.unread > 0 && (
          <button type="button" className="secondary" onClick={() => mark.mutate({ all: true })} disabled={mark.isPending}>
            {t('notifications.markAllRead')}
          </button>
        )}
        <Link to="/notifications/settings">{t('notifications.settings')}</Link>
      </p>
      <ErrorMessage error={mark.error} />
      {notifications.length === 0 && <p className="muted">{t('notifications.none')}</p>}
      <ul className="notifications">
        {notifications.map((notification) => (
          <li key={notification.id} className={notification.read ? 'notification' : 'notification unread'}>
            <div className="row">
              {!notification.read && <span className="badge open">{t('notifications.new')}</span>}
              <Link to={webPathOf(notification)}>{notification.title}</Link>
            </div>
            <p className="muted meta">
              {t(`notifications.types.${notification.type}`, { defaultValue: notification.type })} · {notification.challengeId} ·{' '}
              {formatDate(notification.at, i18n.language)}
            </p>
            <p className="notification-text">{notification.text}</p>
            {!notification.read && (
              <button type="button" className="secondary" onClick={() => mark.mutate({ ids: [notification.id] })} disabled={mark.isPending}>
                {t('notifications.markRead')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {list.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void list.fetchNextPage()}>
          {t('notifications.more')}
        </button>
      )}
    </>
  );
}

type Preferences = Record<string, { email: boolean; inApp: boolean }>;

/** One line per event type: in the app, by e-mail; each change is saved at once. */
function NotificationSettingsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const key = ['notification-preferences', session?.userId];
  const preferences = useQuery({
    queryKey: key,
    enabled: Boolean(session),
    queryFn: () => api<{ preferences: Preferences }>('/me/notification-preferences'),
  });
  const change = useMutation({
    mutationFn: (request: Record<string, { email?: boolean; inApp?: boolean }>) =>
      api<{ preferences: Preferences }>('/me/notification-preferences', { method: 'PATCH', body: request }),
    // The box shows the change at once; the API's answer (or, on a refusal, a fresh read) settles it.
    onMutate: (request) =>
      queryClient.setQueryData<{ preferences: Preferences }>(key, (old) =>
        old
          ? {
              preferences: Object.fromEntries(Object.entries(old.preferences).map(([type, wanted]) => [type, { ...wanted, ...request[type] }])),
            }
          : old,
      ),
    onSuccess: (answer) => queryClient.setQueryData(key, answer),
    onError: () => void queryClient.invalidateQueries({ queryKey: key }),
  });
  if (!session) return <p role="alert">{t('notifications.signIn')}</p>;
  if (preferences.error) return <ErrorMessage error={preferences.error} />;
  if (!preferences.data) return <Loading />;
  const types = Object.entries(preferences.data.preferences);
  return (
    <>
      <h1>{t('notifications.settingsTitle')}</h1>
      <p>
        <Link to="/notifications">← {t('notifications.title')}</Link>
      </p>
      <p>{t('notifications.settingsHelp')}</p>
      <ErrorMessage error={change.error} />
      {change.isSuccess && (
        <p className="ok" role="status">
          {t('notifications.saved')}
        </p>
      )}
      <div className="table-scroll">
        <table>
          <caption>{t('notifications.settingsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('notifications.event')}</th>
              <th scope="col">{t('notifications.inApp')}</th>
              <th scope="col">{t('notifications.email')}</th>
            </tr>
          </thead>
          <tbody>
            {types.map(([type, wanted]) => {
              const label = t(`notifications.types.${type}`, { defaultValue: type });
              return (
                <tr key={type}>
                  <th scope="row">{label}</th>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${label}: ${t('notifications.inApp')}`}
                      checked={wanted.inApp}
                      disabled={change.isPending}
                      onChange={(event) => change.mutate({ [type]: { inApp: event.target.checked } })}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${label}: ${t('notifications.email')}`}
                      checked={wanted.email}
                      disabled={change.isPending}
                      onChange={(event) => change.mutate({ [type]: { email: event.target.checked } })}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
